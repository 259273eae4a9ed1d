using Margin.Engine.Evaluation;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;
using Margin.Sweep.Ports;

namespace Margin.Sweep.UseCases;

/// <summary>The margin models of the sweeps a worker is processing, built once per (snapshot, parameters, mode) and shared by its work items.</summary>
/// <remarks>
/// A model costs a snapshot read, a parameters read and a build, so a worker keeps the last few. In no-liquidation mode the
/// snapshot is marked unusable with the reason, so every result is <c>PriceSuspect</c> and nothing is ever liquidated
/// on it. Thread-safe.
/// </remarks>
public sealed class MarginModelCache
{
    private const int Capacity = 4;

    private readonly IPriceSnapshotStore _snapshots;
    private readonly IRiskParameterStore _parameters;
    private readonly object _gate = new();
    private readonly LinkedList<(string Key, Lazy<Task<SweepModel>> Model)> _entries = new();
    private RiskParameters? _active;

    /// <summary>Creates the cache over the stores it reads from.</summary>
    public MarginModelCache(IPriceSnapshotStore snapshots, IRiskParameterStore parameters)
    {
        _snapshots = snapshots ?? throw new ArgumentNullException(nameof(snapshots));
        _parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
    }

    /// <summary>The model for a snapshot and parameter version.</summary>
    /// <param name="snapshotId">The snapshot.</param>
    /// <param name="paramsVersion">The parameter version.</param>
    /// <param name="noLiquidationReason">Null, or why the sweep runs in no-liquidation mode (the snapshot is then treated as unusable).</param>
    /// <param name="cancellationToken">Cancels the load (a cancelled load is not cached).</param>
    /// <exception cref="InvalidOperationException">The snapshot or the parameter version is not stored.</exception>
    public async Task<SweepModel> GetAsync(string snapshotId, string paramsVersion, string? noLiquidationReason, CancellationToken cancellationToken = default)
    {
        var key = $"{snapshotId}\u001f{paramsVersion}\u001f{noLiquidationReason}";
        Lazy<Task<SweepModel>> lazy;
        lock (_gate)
        {
            var node = _entries.First;
            while (node is not null && !string.Equals(node.Value.Key, key, StringComparison.Ordinal))
            {
                node = node.Next;
            }

            if (node is null)
            {
                // Shared by every caller waiting for it, so not cancelled by the first caller's token; each caller stops waiting on its own.
                lazy = new Lazy<Task<SweepModel>>(() => LoadAsync(snapshotId, paramsVersion, noLiquidationReason, CancellationToken.None));
                _entries.AddFirst((key, lazy));
                if (_entries.Count > Capacity)
                {
                    _entries.RemoveLast();
                }
            }
            else
            {
                lazy = node.Value.Model;
                _entries.Remove(node);
                _entries.AddFirst(node);
            }
        }

        try
        {
            return await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A failed or cancelled load is not kept: the next work item tries again.
            lock (_gate)
            {
                var node = _entries.First;
                while (node is not null && !ReferenceEquals(node.Value.Model, lazy))
                {
                    node = node.Next;
                }

                if (node is not null)
                {
                    _entries.Remove(node);
                }
            }

            throw;
        }
    }

    /// <summary>The active parameter version's parameters now (a kill switch activated mid-sweep is seen at publish time), or null when none is active.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    public async Task<RiskParameters?> ActiveParametersAsync(CancellationToken cancellationToken = default)
    {
        var version = await _parameters.GetActiveVersionAsync(cancellationToken).ConfigureAwait(false);
        if (version is null)
        {
            return null;
        }

        lock (_gate)
        {
            if (_active is { } cached && string.Equals(cached.Version, version, StringComparison.Ordinal))
            {
                return cached;
            }
        }

        var parameters = await _parameters.GetAsync(version, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _active = parameters;
        }

        return parameters;
    }

    private async Task<SweepModel> LoadAsync(string snapshotId, string paramsVersion, string? noLiquidationReason, CancellationToken cancellationToken = default)
    {
        var snapshot = await _snapshots.ReadAsync(snapshotId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"price snapshot {snapshotId} is not stored");
        var parameters = await _parameters.GetAsync(paramsVersion, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"risk parameter version {paramsVersion} is not stored");
        if (noLiquidationReason is not null && snapshot.Usable)
        {
            snapshot = PriceSnapshot.Create(snapshot.Id, snapshot.AsOf, snapshot.Quote, snapshot.Assets.Values, snapshot.Instruments.Values, snapshot.Defects.Values, noLiquidationReason, snapshot.Correlations);
        }

        return new SweepModel(snapshot, parameters, MarginModel.Create(snapshot, parameters));
    }
}

/// <summary>A snapshot, a parameter version and the margin model built from them.</summary>
/// <param name="Snapshot">The snapshot (unusable in no-liquidation mode).</param>
/// <param name="Parameters">The parameters.</param>
/// <param name="Model">The model.</param>
public sealed record SweepModel(PriceSnapshot Snapshot, RiskParameters Parameters, MarginModel Model);
