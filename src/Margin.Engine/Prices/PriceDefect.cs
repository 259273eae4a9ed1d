namespace Margin.Engine.Prices;

/// <summary>A price that arrived but could not be accepted (NaN, zero, negative, malformed).</summary>
/// <remarks>
/// Accounts that depend on the asset or instrument cannot be evaluated and report this defect; other accounts are
/// unaffected. <see cref="Field"/> is the path of the bad value in the snapshot, e.g. <c>snapshot.assets.BTC.price</c>.
/// </remarks>
public sealed record PriceDefect(string Key, string Field, string Problem);
