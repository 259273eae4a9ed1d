using System.Globalization;
using Margin.Engine.Oracles;

namespace Margin.Sweep.Options;

/// <summary>How prices are refreshed, guarded and turned into volatility and correlation estimates (configuration section <c>Prices</c>).</summary>
/// <remarks>
/// The guard values feed <see cref="OracleGuardOptions"/> (MARGIN-MODEL.md section 7). Estimates are recomputed from the
/// price history once per <see cref="EstimateCadence"/> (the first refresh in each cadence window) and carried over from the
/// previous snapshot in between, so every snapshot has them frozen and every shard of a sweep uses the same ones.
/// </remarks>
public sealed record PriceRefreshOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Prices";

    /// <summary>How long one source may take before it counts as failed for this refresh.</summary>
    public TimeSpan SourceTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A quote older than this is stale.</summary>
    public TimeSpan MaxQuoteAge { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A quote published this far in the future is refused.</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A quote whose confidence exceeds this fraction of its price is unusable.</summary>
    public decimal MaxConfidenceFraction { get; init; } = 0.02m;

    /// <summary>A quote further than this fraction from the median of the usable quotes is dropped.</summary>
    public decimal OutlierBand { get; init; } = 0.05m;

    /// <summary>The fewest distinct sources an aggregate needs.</summary>
    public int MinSources { get; init; } = 1;

    /// <summary>An aggregate further than this fraction from both the last accepted price and the TWAP is rejected...</summary>
    public decimal GuardBand { get; init; } = 0.2m;

    /// <summary>... unless at least this many distinct sources agree on it.</summary>
    public int ConfirmationQuorum { get; init; } = 3;

    /// <summary>The TWAP window (the guard's second reference and the reference price).</summary>
    public TimeSpan TwapWindow { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How often volatilities and correlations are re-estimated.</summary>
    public TimeSpan EstimateCadence { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The history is resampled to one price per interval (the last in it) before estimating.</summary>
    public TimeSpan SamplingInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How much history the estimates read.</summary>
    public TimeSpan Lookback { get; init; } = TimeSpan.FromDays(30);

    /// <summary>The short-window EWMA half-life, in samples.</summary>
    public double ShortHalfLife { get; init; } = 24;

    /// <summary>The long-window EWMA half-life, in samples.</summary>
    public double LongHalfLife { get; init; } = 24 * 14;

    /// <summary>The fewest returns that give an estimate: a volatility (fewer: the prior, else the previous snapshot's) and a correlation (fewer: the pair counts as perfectly correlated).</summary>
    public int CorrelationMinimumReturns { get; init; } = 24;

    /// <summary>Annualised volatilities to use for an asset until its history holds <see cref="CorrelationMinimumReturns"/> returns (a cold start), by symbol.</summary>
    /// <remarks>Without a prior and without enough history an asset has no volatility, and accounts whose weights need one cannot be evaluated (they say so).</remarks>
    public IReadOnlyDictionary<string, double> VolatilityPriors { get; init; } = new Dictionary<string, double>(StringComparer.Ordinal);

    /// <summary>The guard options.</summary>
    public OracleGuardOptions Guard() => OracleGuardOptions.Create(MaxQuoteAge, MaxConfidenceFraction, OutlierBand, MinSources, GuardBand, ConfirmationQuorum, MaxClockSkew);

    /// <summary>Every invalid value, naming the option; empty when valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        foreach (var (name, value) in new[] { (nameof(SourceTimeout), SourceTimeout), (nameof(MaxQuoteAge), MaxQuoteAge), (nameof(TwapWindow), TwapWindow), (nameof(EstimateCadence), EstimateCadence), (nameof(SamplingInterval), SamplingInterval), (nameof(Lookback), Lookback) })
        {
            if (value <= TimeSpan.Zero)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{Section}:{name} must be positive (got {value})"));
            }
        }

        foreach (var (name, value) in new[] { (nameof(ShortHalfLife), ShortHalfLife), (nameof(LongHalfLife), LongHalfLife) })
        {
            if (!double.IsFinite(value) || value <= 0)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{Section}:{name} must be finite and positive (got {value})"));
            }
        }

        foreach (var (asset, prior) in VolatilityPriors)
        {
            if (!double.IsFinite(prior) || prior < 0)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{Section}:VolatilityPriors:{asset} must be finite and not negative (got {prior})"));
            }
        }

        if (CorrelationMinimumReturns < 2)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{Section}:CorrelationMinimumReturns must be at least 2 (got {CorrelationMinimumReturns})"));
        }

        try
        {
            _ = Guard();
        }
        catch (ArgumentException ex)
        {
            problems.Add($"{Section}: {ex.Message}");
        }

        return problems;
    }
}
