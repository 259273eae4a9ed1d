namespace Margin.Infrastructure.Oracles;

/// <summary>The options of <see cref="SimulatedSource"/>: the seed, the common correlation, the time step and the assets.</summary>
public sealed record SimulatedSourceOptions
{
    /// <summary>The source id of the quotes (default <c>simulated</c>).</summary>
    public string SourceId { get; init; } = "simulated";

    /// <summary>The seed: the same seed, options and fetch times give the same prices.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>The correlation of every pair of assets' diffusions, in [0, 1] (one market factor with this weight, the rest idiosyncratic).</summary>
    public double Correlation { get; init; } = 0.5;

    /// <summary>The walk's time step (default 1 s): prices change on this grid from the start, so they do not depend on when fetches happen.</summary>
    public TimeSpan Step { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The confidence half-width as a fraction of the price (default 0.0005, 5 basis points; in [0, 1)).</summary>
    public decimal ConfidenceFraction { get; init; } = 0.0005m;

    /// <summary>The significant digits of prices and confidences (default 8; 1 to 15).</summary>
    public int SignificantDigits { get; init; } = 8;

    /// <summary>Asset symbol to its walk.</summary>
    public IReadOnlyDictionary<string, SimulatedAsset> Assets { get; init; } = new Dictionary<string, SimulatedAsset>();
}
