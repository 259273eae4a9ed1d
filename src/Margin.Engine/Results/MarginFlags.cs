using System.Diagnostics.CodeAnalysis;

namespace Margin.Engine.Results;

/// <summary>Flags reported beside the status.</summary>
/// <remarks>
/// <see cref="PriceSuspect"/>, <see cref="LiquidationInFlight"/> and <see cref="KillSwitch"/> suppress a new
/// liquidation order; <see cref="AtRisk"/> is advisory and suppresses nothing.
/// </remarks>
[Flags]
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "MARGIN-MODEL.md names these the result's flags; the name is the domain's.")]
public enum MarginFlags
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>A price the result depends on is not usable, or the snapshot is too old.</summary>
    PriceSuspect = 1,

    /// <summary>An order for this account is still open.</summary>
    LiquidationInFlight = 2,

    /// <summary>Liquidation is paused by the parameters (globally or for an asset the account holds or owes).</summary>
    KillSwitch = 4,

    /// <summary>The pre-emptive projection reaches a MarginRatio of 1: warn before liquidation.</summary>
    AtRisk = 8,
}

/// <summary>Rules about <see cref="MarginFlags"/>.</summary>
public static class MarginFlagsExtensions
{
    /// <summary>The flags that block a new liquidation order.</summary>
    public const MarginFlags Suppressing = MarginFlags.PriceSuspect | MarginFlags.LiquidationInFlight | MarginFlags.KillSwitch;

    /// <summary>Whether any of the flags blocks a new liquidation order.</summary>
    public static bool SuppressesLiquidation(this MarginFlags flags) => (flags & Suppressing) != 0;
}
