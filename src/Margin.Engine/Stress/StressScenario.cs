using System.Collections.Immutable;

namespace Margin.Engine.Stress;

/// <summary>A stress scenario: price shocks per asset, optional volatility shocks, and where it comes from.</summary>
/// <remarks>
/// An ad-hoc scenario is named after its text (<see cref="ShockSet.ToString"/>); a historical one after its file
/// (<c>scenarios/2020-03-12-black-thursday.json</c>), with its date, window and public sources. Volatility shocks are
/// relative changes of every volatility the engine reads for the asset: <c>sigma_short</c>, <c>sigma_long</c> and the
/// implied volatility of options on it.
/// </remarks>
public sealed record StressScenario
{
    /// <summary>The scenario's name: a historical file's name, or the ad-hoc text.</summary>
    public required string Name { get; init; }

    /// <summary>A human title, or null.</summary>
    public string? Title { get; init; }

    /// <summary>The price shocks.</summary>
    public required ShockSet Prices { get; init; }

    /// <summary>The volatility shocks (empty: volatilities unchanged).</summary>
    public ShockSet Volatilities { get; init; } = ShockSet.Empty;

    /// <summary>The date of a historical scenario (ISO 8601), or null.</summary>
    public string? Date { get; init; }

    /// <summary>The time window of a historical scenario's moves, in words, or null.</summary>
    public string? Window { get; init; }

    /// <summary>What happened, for a historical scenario; or null.</summary>
    public string? Description { get; init; }

    /// <summary>The public sources of a historical scenario's figures.</summary>
    public ImmutableArray<ScenarioSource> Sources { get; init; } = [];

    /// <summary>Whether it was read from a shipped scenario file.</summary>
    public bool Historical => !Sources.IsDefaultOrEmpty;
}

/// <summary>A public source of a historical scenario's figures.</summary>
/// <param name="Title">The source's title.</param>
/// <param name="Url">Where to read it.</param>
public sealed record ScenarioSource(string Title, string Url);
