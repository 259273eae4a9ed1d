using System.Collections.Immutable;
using System.Globalization;
using Margin.Engine.Domain;
using Margin.Engine.Oracles;
using Margin.Engine.Prices;
using Margin.Engine.Statistics;
using Margin.Sweep.Options;
using Margin.Sweep.Ports;
using Margin.Sweep.Prices;
using Margin.Sweep.Telemetry;

namespace Margin.Sweep.UseCases;

/// <summary>Queries every oracle source, aggregates and guards the quotes, and publishes an immutable price snapshot with frozen volatilities and correlations (timer).</summary>
/// <remarks>
/// <para>The assets are those of the active risk parameters; the settlement currency is priced at exactly 1. Sources are
/// queried concurrently, each within <see cref="PriceRefreshOptions.SourceTimeout"/>; a source that fails or times out
/// counts as absent for this refresh and is reported. Each asset is decided by <see cref="OracleAggregator"/> against
/// the previous snapshot's price and the TWAP of the history; an asset without an accepted aggregate keeps its last good
/// price, marked unusable with the reason (results depending on it are <c>PriceSuspect</c> and never liquidated), or has
/// no price and a defect if it never had one. When no asset has a usable price (every source stale or down) the
/// snapshot itself is unusable, so the sweep on it runs in no-liquidation mode. Instrument marks are derived from the asset prices
/// (<see cref="InstrumentMarks"/>).</para>
/// <para>Writes the snapshot, then its oracle decisions (<see cref="PriceDecisions"/>: every asset's decision with each
/// source's quote and verdict, and the sources that failed, for the report), then the history points of the accepted
/// prices, then the <c>latest</c> pointer: a crash leaves at worst an unreferenced snapshot (with or without its
/// decisions), and the next refresh writes a new one.</para>
/// <para>Telemetry (docs/observability.md): a <c>RefreshPrices</c> span, and once the snapshot is the latest, the gauge
/// <c>margin.price.age</c> per asset: the snapshot's time less the asset's price time (a price kept from an earlier
/// snapshot keeps its time, so its age grows until a source quotes it again).</para>
/// </remarks>
public sealed class RefreshPrices
{
    private readonly IReadOnlyList<IOracleSource> _sources;
    private readonly IPriceSnapshotStore _snapshots;
    private readonly IPriceHistoryStore _history;
    private readonly IRiskParameterStore _parameters;
    private readonly PriceRefreshOptions _options;
    private readonly TimeProvider _time;
    private readonly OracleGuardOptions _guard;

    /// <summary>Creates the use case.</summary>
    /// <exception cref="ArgumentException">The options are invalid or two sources share an id.</exception>
    public RefreshPrices(IEnumerable<IOracleSource> sources, IPriceSnapshotStore snapshots, IPriceHistoryStore history, IRiskParameterStore parameters, PriceRefreshOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(sources);
        _sources = [.. sources];
        _snapshots = snapshots ?? throw new ArgumentNullException(nameof(snapshots));
        _history = history ?? throw new ArgumentNullException(nameof(history));
        _parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        if (options.Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }

        if (_sources.GroupBy(s => s.SourceId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"two oracle sources are both named {twice.Key}", nameof(sources));
        }

        _guard = options.Guard();
    }

    /// <summary>Refreshes prices once.</summary>
    /// <param name="cancellationToken">Cancels the refresh (nothing is published).</param>
    public async Task<RefreshOutcome> ExecuteAsync(CancellationToken cancellationToken = default)
    {
        using var activity = SweepTelemetry.ActivitySource.StartActivity(SweepTelemetry.RefreshPricesSpan);
        try
        {
            var outcome = await RefreshAsync(cancellationToken).ConfigureAwait(false);
            if (outcome.Snapshot is { } snapshot)
            {
                activity?.SetTag(SweepTelemetry.SnapshotIdTag, snapshot.Id)
                    .SetTag("margin.asset.count", snapshot.Assets.Count)
                    .SetTag("margin.snapshot.usable", snapshot.Usable)
                    .SetTag("margin.source.failures", outcome.SourceFailures.Count);
            }
            else
            {
                activity?.SetTag("margin.skipped", outcome.Skipped);
            }

            return outcome;
        }
        catch (Exception ex)
        {
            SweepTelemetry.Fail(activity, ex);
            throw;
        }
    }

    private async Task<RefreshOutcome> RefreshAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var version = await _parameters.GetActiveVersionAsync(cancellationToken).ConfigureAwait(false);
        if (version is null)
        {
            return new RefreshOutcome(null, "no risk parameter version is active: the assets to price are unknown", [], [], EstimatesRecomputed: false);
        }

        var parameters = await _parameters.GetAsync(version, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"the active risk parameter version {version} is not stored");
        var assets = parameters.Assets.Values.Select(a => a.Asset).Where(a => !a.Equals(parameters.Settlement)).OrderBy(a => a.Symbol, StringComparer.Ordinal).ToArray();
        var previousId = await _snapshots.GetLatestAsync(cancellationToken).ConfigureAwait(false);
        var previous = previousId is null ? null : await _snapshots.ReadAsync(previousId, cancellationToken).ConfigureAwait(false);

        var fetches = await Task.WhenAll(_sources.Select(s => FetchAsync(s, assets, cancellationToken))).ConfigureAwait(false);
        var failures = fetches.Where(f => f.Failure is not null).Select(f => new SourceFailure(f.SourceId, f.Failure!)).ToList();
        var quotes = fetches.SelectMany(f => f.Quotes).ToLookup(q => q.Asset.Symbol, StringComparer.Ordinal);

        var decisions = new List<OracleDecision>(assets.Length);
        var prices = new Dictionary<string, AssetPrice>(StringComparer.Ordinal)
        {
            [parameters.Settlement.Symbol] = AssetPrice.Create(parameters.Settlement, 1m, now),
        };
        var defects = new List<PriceDefect>();
        var accepted = new List<PriceHistoryPoint>();
        var snapshotId = string.Create(CultureInfo.InvariantCulture, $"s{now.UtcDateTime:yyyyMMdd'T'HHmmssfff}Z");
        foreach (var asset in assets)
        {
            var last = previous?.Assets.GetValueOrDefault(asset.Symbol);
            var recent = await _history.ReadAsync(asset.Symbol, now - _options.TwapWindow, now, cancellationToken).ConfigureAwait(false);
            var twap = Twap.Compute([.. recent.Select(p => new PricePoint(p.Time, p.Price))], _options.TwapWindow, now);
            var decision = OracleAggregator.Aggregate(asset, quotes[asset.Symbol], now, last?.Price, twap?.Price, _guard);
            decisions.Add(decision);
            var problems = string.Join("; ", fetches.Where(f => f.Problems.ContainsKey(asset.Symbol)).Select(f => $"{f.SourceId}: {f.Problems[asset.Symbol]}"));
            if (decision.Usable && decision.Price is { } price)
            {
                prices[asset.Symbol] = AssetPrice.Create(asset, price, decision.PublishTime ?? now, twap?.Price ?? price, decision.Confidence ?? 0m, null, last?.SigmaShort, last?.SigmaLong);
                accepted.Add(new PriceHistoryPoint(asset.Symbol, now, price, decision.Confidence ?? 0m, decision.SourceCount, snapshotId));
            }
            else if (decision.Price is { } kept && last is not null)
            {
                var why = problems.Length == 0 ? decision.Message : $"{decision.Message} ({problems})";
                prices[asset.Symbol] = AssetPrice.Create(asset, kept, last.PublishTime, last.ReferencePrice, last.Confidence, why, last.SigmaShort, last.SigmaLong);
            }
            else
            {
                defects.Add(new PriceDefect(asset.Symbol, $"snapshot.assets.{asset.Symbol}", problems.Length == 0 ? $"no price: {decision.Message}" : $"no price: {decision.Message} ({problems})"));
            }
        }

        var recompute = previous is null || Window(now) != Window(previous.AsOf);
        CorrelationMatrix? correlations = previous?.Correlations;
        if (recompute)
        {
            correlations = await EstimateAsync(parameters.Settlement, prices, accepted, now, cancellationToken).ConfigureAwait(false);
        }

        var marks = InstrumentMarks.Derive(parameters, prices, now, previous?.Instruments);
        var unusable = assets.Length > 0 && !decisions.Exists(d => d.Usable)
            ? $"no asset has a usable price ({string.Join("; ", decisions.Select(d => $"{d.Asset}: {d.Reason}").Concat(failures.Select(f => f.Problem)))})"
            : null;
        var snapshot = PriceSnapshot.Create(snapshotId, now, parameters.Settlement, prices.Values, marks, defects, unusable, correlations);
        await _snapshots.WriteAsync(snapshot, cancellationToken).ConfigureAwait(false);
        await _snapshots.WriteDecisionsAsync(snapshotId, PriceDecisions.From(decisions, failures), cancellationToken).ConfigureAwait(false);
        if (accepted.Count > 0)
        {
            await _history.AppendAsync(accepted, cancellationToken).ConfigureAwait(false);
        }

        await _snapshots.SetLatestAsync(snapshotId, cancellationToken).ConfigureAwait(false);
        SweepTelemetry.RecordPriceAges(snapshot);
        return new RefreshOutcome(snapshot, null, decisions, failures, recompute);
    }

    private long Window(DateTimeOffset t) => t.UtcTicks / _options.EstimateCadence.Ticks;

    // Re-estimates every priced asset's sigmas in place and returns the correlations, from the resampled history (plus this refresh's prices).
    private async Task<CorrelationMatrix?> EstimateAsync(Asset settlement, Dictionary<string, AssetPrice> prices, List<PriceHistoryPoint> accepted, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var periodsPerYear = TimeSpan.FromDays(365).Ticks / (double)_options.SamplingInterval.Ticks;
        var shortLambda = EwmaVolatility.LambdaForHalfLife(_options.ShortHalfLife);
        var longLambda = EwmaVolatility.LambdaForHalfLife(_options.LongHalfLife);
        var assets = new List<Asset>();
        var series = new List<IReadOnlyList<decimal>>();
        foreach (var (symbol, price) in prices.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (price.Asset.Equals(settlement))
            {
                // The settlement currency: fixed at 1, no history, no volatility.
                continue;
            }

            var history = await _history.ReadAsync(symbol, now - _options.Lookback, now, cancellationToken).ConfigureAwait(false);
            var points = history.Select(p => (p.Time, p.Price)).Concat(accepted.Where(p => p.Asset == symbol).Select(p => (p.Time, p.Price))).ToList();
            var sampled = Resample(points, now);
            // Too little history (a cold start): the configured prior, else what the previous snapshot had.
            var enough = sampled.Count > _options.CorrelationMinimumReturns;
            double? prior = _options.VolatilityPriors.TryGetValue(symbol, out var p) ? p : null;
            var sigmaShort = enough ? EwmaVolatility.Estimate(sampled, shortLambda, periodsPerYear) : prior ?? price.SigmaShort;
            var sigmaLong = enough ? EwmaVolatility.Estimate(sampled, longLambda, periodsPerYear) : prior ?? price.SigmaLong;
            prices[symbol] = AssetPrice.Create(price.Asset, price.Price, price.PublishTime, price.ReferencePrice, price.Confidence, price.UnusableReason, sigmaShort, sigmaLong);
            assets.Add(price.Asset);
            series.Add(sampled);
        }

        return assets.Count >= 2 ? EwmaCorrelation.Estimate(assets, series, longLambda, _options.CorrelationMinimumReturns) : null;
    }

    // The last price of each sampling interval ending at now, oldest first; an interval without a point repeats the previous price.
    private List<decimal> Resample(List<(DateTimeOffset Time, decimal Price)> points, DateTimeOffset now)
    {
        var buckets = (int)(_options.Lookback.Ticks / _options.SamplingInterval.Ticks);
        var start = now - (buckets * _options.SamplingInterval);
        var last = new decimal?[buckets];
        foreach (var (time, price) in points.OrderBy(p => p.Time))
        {
            var index = (int)((time - start).Ticks / _options.SamplingInterval.Ticks);
            if (index >= 0 && index < buckets)
            {
                last[index] = price;
            }
            else if (index == buckets)
            {
                last[buckets - 1] = price;
            }
        }

        var sampled = new List<decimal>(buckets);
        decimal? carry = null;
        foreach (var value in last)
        {
            carry = value ?? carry;
            if (carry is { } c)
            {
                sampled.Add(c);
            }
        }

        return sampled;
    }

    private async Task<Fetch> FetchAsync(IOracleSource source, IReadOnlyList<Asset> assets, CancellationToken cancellationToken = default)
    {
        using var timeout = new CancellationTokenSource(_options.SourceTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            var fetch = await source.FetchAsync(assets, linked.Token).ConfigureAwait(false);
            return new Fetch(source.SourceId, fetch.Quotes.Where(q => string.Equals(q.SourceId, source.SourceId, StringComparison.Ordinal)).ToList(), fetch.Problems, null);
        }
        catch (Exception ex) when ((ex is OracleSourceException or OperationCanceledException) && cancellationToken.IsCancellationRequested)
        {
            // The refresh itself was cancelled (shutdown), not the source: publish nothing.
            throw new OperationCanceledException("the price refresh was cancelled", ex, cancellationToken);
        }
        catch (Exception ex) when ((ex is OracleSourceException or OperationCanceledException) && timeout.IsCancellationRequested)
        {
            return new Fetch(source.SourceId, [], ImmutableDictionary<string, string>.Empty, string.Create(CultureInfo.InvariantCulture, $"{source.SourceId} did not answer within {_options.SourceTimeout.TotalSeconds:0.###} s"));
        }
        catch (OracleSourceException ex)
        {
            return new Fetch(source.SourceId, [], ImmutableDictionary<string, string>.Empty, ex.Message);
        }
    }

    private sealed record Fetch(string SourceId, IReadOnlyList<OracleQuote> Quotes, IReadOnlyDictionary<string, string> Problems, string? Failure);
}

/// <summary>What a refresh published.</summary>
/// <param name="Snapshot">The snapshot written, or null when nothing was (then <paramref name="Skipped"/> says why).</param>
/// <param name="Skipped">Why no snapshot was written, or null.</param>
/// <param name="Decisions">Each asset's oracle decision, with every quote's verdict.</param>
/// <param name="SourceFailures">Sources that failed as a whole.</param>
/// <param name="EstimatesRecomputed">Whether volatilities and correlations were re-estimated (else carried over).</param>
public sealed record RefreshOutcome(PriceSnapshot? Snapshot, string? Skipped, IReadOnlyList<OracleDecision> Decisions, IReadOnlyList<SourceFailure> SourceFailures, bool EstimatesRecomputed);

/// <summary>A source that failed as a whole in one refresh.</summary>
/// <param name="SourceId">The source.</param>
/// <param name="Problem">Why.</param>
public sealed record SourceFailure(string SourceId, string Problem);
