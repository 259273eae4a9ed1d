namespace Margin.Engine.Stress;

/// <summary>One shock of a scenario: a relative move of the prices (or volatilities) that a selector picks.</summary>
/// <remarks>
/// <see cref="Move"/> is a fraction: <c>-0.25</c> is -25 %, so a price <c>P</c> becomes <c>P * (1 + Move)</c>. It is always
/// greater than -1 (a move of -100 % or more leaves no price). <see cref="Selector"/> is an asset symbol, an asset class
/// of the parameters (or an alias of one: see <see cref="ShockSet"/>) or <c>*</c>, the assets no other shock names.
/// </remarks>
/// <param name="Selector">The asset symbol, asset class, class alias or <c>*</c>.</param>
/// <param name="Move">The relative move, a fraction greater than -1.</param>
public sealed record Shock(string Selector, decimal Move);
