namespace Margin.Engine.Results;

/// <summary>An account's margin status, in ascending order of severity (MARGIN-MODEL.md section 5).</summary>
/// <remarks>The numeric order is the severity order, so statuses compare with <c>&lt;</c> and <c>&gt;</c>.</remarks>
public enum MarginStatus
{
    /// <summary>No threshold reached; also every empty account.</summary>
    Healthy = 0,

    /// <summary>MarginRatio at or above the warning threshold.</summary>
    Warning = 1,

    /// <summary>InitialRatio at or above 1: the account may only reduce risk.</summary>
    ReduceOnly = 2,

    /// <summary>MarginRatio at or above the margin-call threshold.</summary>
    MarginCall = 3,

    /// <summary>MarginRatio at or above 1: the account must be liquidated.</summary>
    Liquidatable = 4,

    /// <summary>Equity below zero: a full close, with the shortfall for the insurance fund.</summary>
    Bankrupt = 5,
}
