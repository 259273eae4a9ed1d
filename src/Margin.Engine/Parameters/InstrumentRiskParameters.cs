using Margin.Engine.Instruments;

namespace Margin.Engine.Parameters;

/// <summary>An instrument's definition and its margin rules.</summary>
/// <remarks>
/// Perpetuals and futures need <see cref="Brackets"/>; options need <see cref="ShortOptionInitial"/> and
/// <see cref="ShortOptionMaintenance"/>, the initial rule at least as strict as the maintenance one.
/// </remarks>
public sealed record InstrumentRiskParameters
{
    /// <summary>The instrument.</summary>
    public required Instrument Instrument { get; init; }

    /// <summary>Notional brackets for perpetuals and futures.</summary>
    public BracketSchedule? Brackets { get; init; }

    /// <summary>The short-option rule for the initial requirement.</summary>
    public ShortOptionRule? ShortOptionInitial { get; init; }

    /// <summary>The short-option rule for the maintenance requirement.</summary>
    public ShortOptionRule? ShortOptionMaintenance { get; init; }
}
