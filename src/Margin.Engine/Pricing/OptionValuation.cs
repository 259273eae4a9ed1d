namespace Margin.Engine.Pricing;

/// <summary>The Black-76 price of one European option on one unit of the underlying, with its analytic Greeks.</summary>
/// <remarks>
/// Units follow the inputs of <see cref="Black76.Value"/>: with the forward and strike in USD per unit of the underlying,
/// <see cref="Price"/> is USD per unit, <see cref="Delta"/> is dimensionless (USD per USD of forward), <see cref="Gamma"/>
/// is per USD of forward, <see cref="Vega"/> is USD per 1.00 of volatility (divide by 100 for one vol point) and
/// <see cref="Theta"/> is USD per year (divide by 365 for one calendar day). <c>default</c> is an option worth nothing
/// with no sensitivities.
/// </remarks>
/// <param name="Price">The discounted option value <c>e^(-rT) * E[payoff]</c>.</param>
/// <param name="Delta">The sensitivity to the forward, <c>dV/dF</c>; in [0, e^(-rT)] for a call and [-e^(-rT), 0] for a put.</param>
/// <param name="Gamma">The second derivative in the forward, <c>d2V/dF2</c>; never negative.</param>
/// <param name="Vega">The sensitivity to the volatility, <c>dV/dsigma</c> per 1.00 of volatility; never negative.</param>
/// <param name="Theta">The value's change per year of calendar time at a fixed forward, <c>-dV/dT</c>; usually negative.</param>
public readonly record struct OptionValuation(double Price, double Delta, double Gamma, double Vega, double Theta);
