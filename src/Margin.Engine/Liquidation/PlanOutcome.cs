namespace Margin.Engine.Liquidation;

/// <summary>How a liquidation plan ended.</summary>
public enum PlanOutcome
{
    /// <summary>The account already meets the target ratio; the plan has no legs.</summary>
    AlreadyAtTarget = 0,

    /// <summary>The legs bring the account to the target ratio when filled at or better than their limits.</summary>
    ReachesTarget = 1,

    /// <summary>No further move improves the account within the limits; the legs are what could be done.</summary>
    CannotReachTarget = 2,

    /// <summary>A flag (price suspect, order in flight, kill switch) suppresses liquidation; the plan has no legs.</summary>
    Suppressed = 3,

    /// <summary>The account is bankrupt: every leg closes as much as the limits allow, and the insurance fund covers the shortfall.</summary>
    FullClose = 4,
}
