namespace Margin.Engine.Parameters;

/// <summary>Volatility- and depth-scaled weights (MARGIN-MODEL.md section 2, form 4).</summary>
/// <remarks>
/// <c>h0 = min(1, max(h_schedule, Z * sigma * sqrt(HorizonYears)))</c>, where <c>h_schedule</c> is the flat form's haircut.
/// <see cref="Z"/> is a non-negative multiplier; <see cref="HorizonYears"/> the liquidation horizon in years, strictly positive.
/// </remarks>
public sealed record VolatilityScaling(decimal Z, decimal HorizonYears);
