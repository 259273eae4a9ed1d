namespace Margin.Engine.Portfolio;

/// <summary>The implied-volatility state of a scenario: shifted up, unchanged or shifted down.</summary>
/// <remarks>The default value is <see cref="Same"/>; see <see cref="ScenarioGrid.ShockedVolatility"/> for the shift.</remarks>
public enum VolatilityShift
{
    /// <summary>The volatility is unchanged (before the minimum-vol floor).</summary>
    Same = 0,

    /// <summary>The volatility is shifted up: <c>sigma * (1 + vol_shift * (30 / DTE)^p)</c>.</summary>
    Up = 1,

    /// <summary>The volatility is shifted down: <c>sigma * (1 - vol_shift * (30 / DTE)^p)</c>.</summary>
    Down = 2,
}
