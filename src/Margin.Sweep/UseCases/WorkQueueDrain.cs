using System.Globalization;
using Margin.Sweep.Ports;
using Margin.Sweep.Telemetry;

namespace Margin.Sweep.UseCases;

/// <summary>Plays the Functions host's queue trigger for hosts without one (the CLI, tests): W workers receive work items, process them, and complete, retry or poison them.</summary>
/// <remarks>
/// As the host does: a message whose processing throws is released to be received again after
/// <see cref="DrainOptions.RetryDelay"/>; one received <see cref="DrainOptions.MaxDequeueCount"/> times that still fails,
/// and one whose body is not a work item, is moved to the poison queue with the reason. Stops when the queue stays empty
/// and the caller's <c>finished</c> check says so (e.g. every work item of the sweep is marked done), or when cancelled.
/// Each message moved to the poison queue counts in <c>margin.poison</c> (<c>margin.queue=margin-shards</c>).
/// </remarks>
public sealed class WorkQueueDrain
{
    private readonly IWorkQueue _queue;
    private readonly ProcessShard _process;
    private readonly DrainOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates the drainer.</summary>
    public WorkQueueDrain(IWorkQueue queue, ProcessShard process, DrainOptions options, TimeProvider time)
    {
        _queue = queue ?? throw new ArgumentNullException(nameof(queue));
        _process = process ?? throw new ArgumentNullException(nameof(process));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDequeueCount, 1);
    }

    /// <summary>Runs the workers until the queue is drained and <paramref name="finished"/> returns true.</summary>
    /// <param name="finished">Asked whenever the queue is empty; true ends the run.</param>
    /// <param name="progress">Told about every processed work item (from worker threads).</param>
    /// <param name="cancellationToken">Stops the workers; a work item in progress is abandoned and retried by the queue.</param>
    public async Task<DrainOutcome> RunAsync(Func<CancellationToken, Task<bool>> finished, Action<ShardOutcome>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(finished);
        var outcome = new DrainOutcome();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workers = Enumerable.Range(0, _options.Workers).Select(_ => WorkAsync(finished, progress, outcome, stop, cancellationToken)).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return outcome;
    }

    private async Task WorkAsync(Func<CancellationToken, Task<bool>> finished, Action<ShardOutcome>? progress, DrainOutcome outcome, CancellationTokenSource stop, CancellationToken cancellationToken)
    {
        // Waiting for work ends when any worker sees the end (or the caller cancels); a received item is carried through
        // with the caller's token only, so the end seen by another worker never abandons it between its completion marker
        // and the deletion of its message (which would lose its outcome and leave the message to come back).
        var token = stop.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var messages = await _queue.ReceiveAsync(1, _options.Visibility, token).ConfigureAwait(false);
                if (messages.Count == 0)
                {
                    if (await finished(token).ConfigureAwait(false))
                    {
                        await stop.CancelAsync().ConfigureAwait(false);
                        return;
                    }

                    await Task.Delay(_options.PollInterval, _time, token).ConfigureAwait(false);
                    continue;
                }

                var message = messages[0];
                if (message.Item is not { } item)
                {
                    await _queue.PoisonAsync(message, message.Problem ?? "not a work item", cancellationToken).ConfigureAwait(false);
                    SweepTelemetry.RecordPoison(SweepTelemetry.ShardQueue);
                    outcome.AddPoisoned(message.MessageId, message.Problem ?? "not a work item");
                    continue;
                }

                ShardOutcome done;
                try
                {
                    done = await _process.ExecuteAsync(item, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    var reason = string.Create(CultureInfo.InvariantCulture, $"attempt {message.DequeueCount} of {_options.MaxDequeueCount} failed: {ex.GetType().Name}: {ex.Message}");
                    if (message.DequeueCount >= _options.MaxDequeueCount)
                    {
                        await _queue.PoisonAsync(message, reason, cancellationToken).ConfigureAwait(false);
                        SweepTelemetry.RecordPoison(SweepTelemetry.ShardQueue);
                        outcome.AddPoisoned(message.MessageId, reason);
                    }
                    else
                    {
                        await _queue.ReleaseAsync(message, _options.RetryDelay, cancellationToken).ConfigureAwait(false);
                        outcome.AddFailure(reason);
                    }

                    continue;
                }

                if (!await _queue.CompleteAsync(message, cancellationToken).ConfigureAwait(false))
                {
                    // Its visibility ran out while it was processed and another worker took it: that one completes it.
                    outcome.AddFailure($"message {message.MessageId}: processed, but its visibility ran out first (another receiver has it; the work is idempotent)");
                }

                outcome.Add(done);
                progress?.Invoke(done);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped: by another worker that saw the end, or by the caller.
        }
    }
}

/// <summary>How the queue is drained (the Functions host's queue settings, for hosts without it).</summary>
public sealed record DrainOptions
{
    /// <summary>Concurrent workers.</summary>
    public int Workers { get; init; } = 4;

    /// <summary>How long a received message stays invisible while it is processed.</summary>
    public TimeSpan Visibility { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>After a failure, how long until the message may be received again.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A message that fails this many times goes to the poison queue (the host's <c>maxDequeueCount</c>).</summary>
    public int MaxDequeueCount { get; init; } = 5;

    /// <summary>How long an idle worker waits before asking the queue again.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>What a drain did (thread-safe while it runs).</summary>
public sealed class DrainOutcome
{
    private readonly object _gate = new();
    private readonly List<ShardOutcome> _processed = [];
    private readonly List<string> _failures = [];
    private readonly List<(string MessageId, string Reason)> _poisoned = [];

    /// <summary>Every processed work item.</summary>
    public IReadOnlyList<ShardOutcome> Processed
    {
        get
        {
            lock (_gate)
            {
                return [.. _processed];
            }
        }
    }

    /// <summary>Failed attempts that were retried.</summary>
    public IReadOnlyList<string> Failures
    {
        get
        {
            lock (_gate)
            {
                return [.. _failures];
            }
        }
    }

    /// <summary>Messages moved to the poison queue, with the reason.</summary>
    public IReadOnlyList<(string MessageId, string Reason)> Poisoned
    {
        get
        {
            lock (_gate)
            {
                return [.. _poisoned];
            }
        }
    }

    internal void Add(ShardOutcome outcome)
    {
        lock (_gate)
        {
            _processed.Add(outcome);
        }
    }

    internal void AddFailure(string reason)
    {
        lock (_gate)
        {
            _failures.Add(reason);
        }
    }

    internal void AddPoisoned(string messageId, string reason)
    {
        lock (_gate)
        {
            _poisoned.Add((messageId, reason));
        }
    }
}
