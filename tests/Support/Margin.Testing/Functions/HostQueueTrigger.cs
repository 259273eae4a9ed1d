using System.Net;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace Margin.Testing.Functions;

/// <summary>
/// The Azure Functions host's Storage queue trigger for one function on one instance, played against a real queue
/// (Azurite): it receives messages, invokes the custom handler with the host's payload, and deletes, releases or poisons
/// each message as the host does. Several triggers on the same queue compete as several Functions instances do.
/// </summary>
/// <remarks>
/// The behaviours it imitates and their sources (docs/notes/functions-custom-handler.md, §1.3-1.4 and §2.1; the WebJobs
/// Storage queues extension, Microsoft.Azure.WebJobs.Extensions.Storage.Queues, QueueListener and QueueProcessor):
/// <list type="bullet">
/// <item>Polling: <see cref="HostQueueTriggerOptions.BatchSize"/> messages per receive, each received with a 10-minute
/// visibility (<see cref="HostQueueTriggerOptions.LeaseDuration"/>) that a timer renews at half-time while its invocation
/// runs (<c>_visibilityTimeout = TimeSpan.FromMinutes(10)</c>, <c>CreateUpdateMessageVisibilityTimer</c>). After a batch the
/// listener fetches again only once at most <see cref="HostQueueTriggerOptions.NewBatchThreshold"/> invocations run
/// (<c>WaitForNewBatchThreshold</c>), so at most batchSize + newBatchThreshold run at once. An empty queue is polled with a
/// randomized exponential backoff from 100 ms to maxPollingInterval (<c>RandomizedExponentialBackoffStrategy</c>,
/// <c>QueuePollingIntervals.Minimum</c>).</item>
/// <item>Invocation: <c>POST /{FunctionName}</c> with <see cref="HostPayloads.StorageQueue"/> built from the received
/// message's real Id, PopReceipt, DequeueCount and times. Any non-2xx fails it, and so does a 2xx whose body is not JSON
/// (<c>EnsureSuccessStatusCode</c>, "Invalid HttpResponseMessage" in DefaultHttpWorkerService), and so does a refused or
/// broken connection (the handler died).</item>
/// <item>Completion: success deletes the message. A failure releases it, visible again after
/// <see cref="HostQueueTriggerOptions.VisibilityTimeout"/> (0 by default: at once), unless its DequeueCount has reached
/// maxDequeueCount: then it is copied to <c>{queue}-poison</c> and deleted (<c>CompleteProcessingMessageAsync</c>). A
/// message received with a DequeueCount already above maxDequeueCount is poisoned without an invocation
/// (<c>BeginProcessingMessageAsync</c>). A body that is not valid base64 under <c>messageEncoding: base64</c> goes to
/// poison at once (Azure/azure-sdk-for-net PR #18326, the queue client's MessageDecodingFailed handler). A delete or
/// release whose pop receipt no longer holds (the lease was lost) is ignored, as the host ignores it.</item>
/// <item>A dead handler: the host would restart the worker process; this harness does not. When an invocation fails because
/// the handler process has exited, the trigger stops receiving (the messages it held are released as failures), so the
/// remaining triggers carry on, as the remaining instances of a scaled-out app do.</item>
/// </list>
/// The queue is read with no client-side encoding, so the raw text is what gets base64-decoded here and what a poison
/// copy carries (the host's poison copy re-encodes the decoded body, which stores the same text).
/// </remarks>
public sealed class HostQueueTrigger : IAsyncDisposable
{
    private static readonly TimeSpan s_minimumPollingInterval = TimeSpan.FromMilliseconds(100);

    private readonly QueueClient _queue;
    private readonly QueueClient _poisonQueue;
    private readonly ICustomHandler _handler;
    private readonly HostQueueTriggerOptions _options;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _polling = new();
    private readonly List<Task> _processing = [];
    private Task? _loop;
    private Exception? _fault;
    private long _invocations;
    private long _successes;
    private long _failures;
    private long _poisoned;
    private long _lostLeases;
    private int _inFlight;
    private int _maxInFlight;
    private int _handlerGone;

    /// <summary>A trigger on <paramref name="queueName"/> that invokes <paramref name="handler"/>.</summary>
    /// <param name="connectionString">The storage account (AzureWebJobsStorage).</param>
    /// <param name="queueName">The queue (function.json queueName); the poison queue is <c>{queueName}-poison</c>.</param>
    /// <param name="handler">The handler this instance invokes.</param>
    /// <param name="options">host.json queue settings; the host's defaults when null.</param>
    /// <param name="timeProvider">The clock for sys.UtcNow; the system clock when null.</param>
    public HostQueueTrigger(
        string connectionString,
        string queueName,
        ICustomHandler handler,
        HostQueueTriggerOptions? options = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        ArgumentNullException.ThrowIfNull(handler);
        _options = options ?? new HostQueueTriggerOptions();
        if (_options.BatchSize is < 1 or > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.BatchSize, "BatchSize is 1..32, as the host's QueuesOptions");
        }

        if (_options.NewBatchThreshold < 0 || _options.MaxDequeueCount < 1 || _options.LeaseDuration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "NewBatchThreshold >= 0, MaxDequeueCount >= 1 and a positive LeaseDuration are required");
        }

        var raw = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        _queue = new QueueClient(connectionString, queueName, raw);
        _poisonQueue = new QueueClient(connectionString, queueName + "-poison", raw);
        _handler = handler;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Raised on the invoking thread just before an invocation is sent (a test can kill the handler from here).</summary>
    public event EventHandler<HostQueueInvocationEventArgs>? Invoking;

    /// <summary>The queue this trigger reads.</summary>
    public string QueueName => _queue.Name;

    /// <summary>The queue failed messages go to.</summary>
    public string PoisonQueueName => _poisonQueue.Name;

    /// <summary>Invocations sent to the handler.</summary>
    public long Invocations => Interlocked.Read(ref _invocations);

    /// <summary>Invocations that succeeded (the message was then deleted).</summary>
    public long Successes => Interlocked.Read(ref _successes);

    /// <summary>Invocations that failed (non-2xx, a body that is not JSON, no connection).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Messages this trigger moved to the poison queue.</summary>
    public long Poisoned => Interlocked.Read(ref _poisoned);

    /// <summary>Deletes or releases that found the message's pop receipt no longer valid (its lease had been lost).</summary>
    public long LostLeases => Interlocked.Read(ref _lostLeases);

    /// <summary>Invocations running now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The most invocations that ran at once.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Whether the trigger stopped receiving because its handler process exited.</summary>
    public bool HandlerGone => Volatile.Read(ref _handlerGone) != 0;

    /// <summary>The first unexpected error (a storage call that failed for another reason than a lost lease), or null.</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    /// <summary>Starts polling; it goes on until <see cref="StopAsync"/>, <paramref name="cancellationToken"/> or the handler's exit.</summary>
    public void Start(CancellationToken cancellationToken = default)
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("the trigger is already started");
        }

        var registration = cancellationToken.Register(() => _polling.Cancel());
        _loop = Task.Run(async () =>
        {
            using (registration)
            {
                await RunAsync().ConfigureAwait(false);
            }
        }, CancellationToken.None);
    }

    /// <summary>Stops receiving and waits for the invocations under way to finish and their messages to be completed (the host's graceful StopAsync).</summary>
    public async Task StopAsync()
    {
        await _polling.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
    }

    /// <summary>Stops as <see cref="StopAsync"/> does.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _polling.Dispose();
    }

    private static bool IsLostLease(RequestFailedException e) =>
        e.Status == (int)HttpStatusCode.NotFound
        || (e.Status == (int)HttpStatusCode.BadRequest && e.ErrorCode == "PopReceiptMismatch");

    private static bool IsJsonObject(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private async Task RunAsync()
    {
        var token = _polling.Token;
        var backoff = s_minimumPollingInterval;
        try
        {
            while (!token.IsCancellationRequested)
            {
                QueueMessage[] batch;
                try
                {
                    batch = (await _queue.ReceiveMessagesAsync(_options.BatchSize, _options.LeaseDuration, token).ConfigureAwait(false)).Value;
                }
                catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
                {
                    batch = [];
                }

                if (batch.Length == 0)
                {
                    await Task.Delay(Randomize(backoff), _time, token).ConfigureAwait(false);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, Math.Max(_options.MaxPollingInterval.Ticks, s_minimumPollingInterval.Ticks)));
                    continue;
                }

                backoff = s_minimumPollingInterval;
                foreach (var message in batch)
                {
                    _processing.Add(ProcessAsync(message));
                }

                _processing.RemoveAll(t => t.IsCompleted);
                while (_processing.Count > _options.NewBatchThreshold)
                {
                    _processing.Remove(await Task.WhenAny(_processing).ConfigureAwait(false));
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped.
        }
        catch (Exception e) when (e is RequestFailedException or HttpRequestException)
        {
            // Storage itself failed (Azurite gone): record it, stop polling, let the invocations under way finish.
            RecordFault(e);
        }

        await Task.WhenAll(_processing).ConfigureAwait(false);
    }

    private static TimeSpan Randomize(TimeSpan delay) =>
        TimeSpan.FromTicks((long)(delay.Ticks * (0.8 + (0.4 * Random.Shared.NextDouble()))));

    private async Task ProcessAsync(QueueMessage message)
    {
        var running = Interlocked.Increment(ref _inFlight);
        for (var seen = Volatile.Read(ref _maxInFlight); running > seen; seen = Volatile.Read(ref _maxInFlight))
        {
            if (Interlocked.CompareExchange(ref _maxInFlight, running, seen) == seen)
            {
                break;
            }
        }

        var lease = new Lease(message.PopReceipt);
        try
        {
            await Task.Yield();
            var body = Decode(message.MessageText);
            if (body is null || message.DequeueCount > _options.MaxDequeueCount)
            {
                await PoisonAsync(message, lease).ConfigureAwait(false);
                return;
            }

            bool succeeded;
            using (var renewing = new CancellationTokenSource())
            {
                var renewal = RenewAsync(message.MessageId, lease, renewing.Token);
                try
                {
                    succeeded = await InvokeAsync(message, body).ConfigureAwait(false);
                }
                finally
                {
                    await renewing.CancelAsync().ConfigureAwait(false);
                    await renewal.ConfigureAwait(false);
                }
            }

            if (succeeded)
            {
                Interlocked.Increment(ref _successes);
                await CompleteAsync(() => _queue.DeleteMessageAsync(message.MessageId, lease.PopReceipt)).ConfigureAwait(false);
                return;
            }

            Interlocked.Increment(ref _failures);
            if (message.DequeueCount >= _options.MaxDequeueCount)
            {
                await PoisonAsync(message, lease).ConfigureAwait(false);
            }
            else
            {
                await CompleteAsync(() => _queue.UpdateMessageAsync(message.MessageId, lease.PopReceipt, messageText: null, _options.VisibilityTimeout)).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is RequestFailedException or HttpRequestException)
        {
            RecordFault(e);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task<bool> InvokeAsync(QueueMessage message, string body)
    {
        var hostMessage = new HostQueueMessage(
            body,
            message.MessageId,
            message.PopReceipt,
            message.DequeueCount,
            message.InsertedOn ?? _time.GetUtcNow(),
            message.ExpiresOn ?? DateTimeOffset.MaxValue,
            message.NextVisibleOn ?? _time.GetUtcNow());
        var payload = HostPayloads.StorageQueue(hostMessage, _time.GetUtcNow(), _options.FunctionName, _options.BindingName, _options.Payload);
        Invoking?.Invoke(this, new HostQueueInvocationEventArgs(hostMessage, payload));
        Interlocked.Increment(ref _invocations);
        try
        {
            var response = await _handler.InvokeAsync(_options.FunctionName, payload).ConfigureAwait(false);
            return response.IsSuccessStatusCode && IsJsonObject(response.Body);
        }
        catch (HttpRequestException)
        {
            await NoticeHandlerExitAsync().ConfigureAwait(false);
            return false;
        }
        catch (TaskCanceledException)
        {
            // The invocation outlived functionTimeout: the host fails it.
            return false;
        }
    }

    /// <summary>A refused or broken connection: if the process is gone (it may take a moment to be reaped), stop receiving.</summary>
    private async Task NoticeHandlerExitAsync()
    {
        for (var i = 0; i < 40 && !_handler.HasExited; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), _time).ConfigureAwait(false);
        }

        if (_handler.HasExited && Interlocked.Exchange(ref _handlerGone, 1) == 0)
        {
            await _polling.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Keeps the message invisible while its invocation runs: renewed at half the lease, as the host's timer does.</summary>
    private async Task RenewAsync(string messageId, Lease lease, CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromTicks(_options.LeaseDuration.Ticks / 2);
        try
        {
            while (true)
            {
                await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);

                // Not cancelled: an update cut off after the service applied it would leave a pop receipt nobody knows.
                var receipt = await _queue.UpdateMessageAsync(messageId, lease.PopReceipt, messageText: null, _options.LeaseDuration, CancellationToken.None).ConfigureAwait(false);
                lease.PopReceipt = receipt.Value.PopReceipt;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The invocation finished.
        }
        catch (RequestFailedException e) when (IsLostLease(e))
        {
            Interlocked.Increment(ref _lostLeases);
        }
    }

    private async Task PoisonAsync(QueueMessage message, Lease lease)
    {
        await _poisonQueue.CreateIfNotExistsAsync().ConfigureAwait(false);
        await _poisonQueue.SendMessageAsync(message.MessageText).ConfigureAwait(false);
        Interlocked.Increment(ref _poisoned);
        await CompleteAsync(() => _queue.DeleteMessageAsync(message.MessageId, lease.PopReceipt)).ConfigureAwait(false);
    }

    private async Task CompleteAsync(Func<Task> completion)
    {
        try
        {
            await completion().ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (IsLostLease(e))
        {
            Interlocked.Increment(ref _lostLeases);
        }
    }

    private string? Decode(string text)
    {
        if (!_options.Base64Encoded)
        {
            return text;
        }

        var bytes = new byte[text.Length];
        return Convert.TryFromBase64String(text, bytes, out var written)
            ? Encoding.UTF8.GetString(bytes, 0, written)
            : null;
    }

    private void RecordFault(Exception e) => Interlocked.CompareExchange(ref _fault, e, null);

    /// <summary>A message's current pop receipt: each visibility update issues a new one.</summary>
    private sealed class Lease(string popReceipt)
    {
        private string _popReceipt = popReceipt;

        public string PopReceipt
        {
            get => Volatile.Read(ref _popReceipt);
            set => Volatile.Write(ref _popReceipt, value);
        }
    }
}
