namespace Margin.Engine.Parameters;

/// <summary>The pre-emptive projection of MARGIN-MODEL.md section 5: an adverse move of <c>z_p * sigma_short * sqrt(h)</c> per asset.</summary>
/// <remarks>
/// <see cref="Multiplier"/> is <c>z_p</c> (2.33 is a one-sided 99 % normal quantile); <see cref="HorizonYears"/> is
/// <c>h</c> in years (1/365 = one day). Both finite and positive, checked by <see cref="RiskParameters.Create"/>. An asset
/// whose snapshot price has no short-window volatility is projected with its long-window one, and with no volatility at
/// all it does not move (the result says so in docs/margin-model.md).
/// </remarks>
/// <param name="Multiplier">The quantile multiplier <c>z_p</c>.</param>
/// <param name="HorizonYears">The horizon <c>h</c> in years.</param>
public sealed record ProjectionParameters(double Multiplier = 2.33, double HorizonYears = 1.0 / 365.0);
