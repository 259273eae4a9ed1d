namespace Margin.Engine.Parameters;

/// <summary>One notional bracket of a perpetual or future.</summary>
/// <remarks>
/// Applies to USD notionals above the previous bracket's cap and up to <see cref="NotionalCap"/> (inclusive); a null
/// cap (last bracket only) is unbounded. Rates are fractions in (0, 1], <see cref="InitialRate"/> &gt;= <see cref="MaintenanceRate"/>.
/// </remarks>
public readonly record struct MarginBracket(decimal? NotionalCap, decimal InitialRate, decimal MaintenanceRate);
