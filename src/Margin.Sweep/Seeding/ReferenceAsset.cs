using Margin.Engine.Domain;

namespace Margin.Sweep.Seeding;

/// <summary>One asset of a reference market: its USD price, its annualised volatility and its loading on the market factor.</summary>
/// <remarks>
/// <see cref="Price"/> is USD per unit, strictly positive. <see cref="Volatility"/> is an annualised fraction (0.5 = 50 %),
/// finite and not negative; it becomes the snapshot's <c>sigmaShort</c> and <c>sigmaLong</c>. <see cref="MarketLoading"/>
/// is the asset's correlation with one common market factor, in [-1, 1]: two assets correlate at the product of their
/// loadings (docs/demo.md, <c>examples/demo/market.json</c>). Checked by <see cref="ReferenceSnapshot.Create"/>.
/// </remarks>
/// <param name="Asset">The asset.</param>
/// <param name="Price">The reference price in USD per unit.</param>
/// <param name="Volatility">The annualised volatility of its log returns.</param>
/// <param name="MarketLoading">The correlation of its returns with the market factor.</param>
public sealed record ReferenceAsset(Asset Asset, decimal Price, double Volatility, double MarketLoading = 0.0);
