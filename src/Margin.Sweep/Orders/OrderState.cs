namespace Margin.Sweep.Orders;

/// <summary>Where a liquidation order is in its life, as executors report it.</summary>
/// <remarks>
/// <see cref="Open"/>, <see cref="Accepted"/> and <see cref="PartiallyFilled"/> keep the order open (the account is
/// <c>LiquidationInFlight</c>); <see cref="Filled"/>, <see cref="Failed"/> and <see cref="Expired"/> close it. Whether
/// the order reached the broker is separate (<see cref="StoredOrder.Sent"/>).
/// </remarks>
public enum OrderState
{
    /// <summary>Created; no executor has reported on it yet.</summary>
    Open = 0,

    /// <summary>An executor took it.</summary>
    Accepted = 1,

    /// <summary>Some legs or part of a leg filled.</summary>
    PartiallyFilled = 2,

    /// <summary>Every leg filled. Terminal.</summary>
    Filled = 3,

    /// <summary>The executor gave up. Terminal.</summary>
    Failed = 4,

    /// <summary>Its time to live passed (reported by the executor, or found by a sweep). Terminal.</summary>
    Expired = 5,
}
