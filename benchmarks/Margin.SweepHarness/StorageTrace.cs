using System.Collections.Concurrent;
using System.Diagnostics;

namespace Margin.SweepHarness;

/// <summary>Counts the storage requests the process sends, on the wire, by kind and table, and per scope (one partition's read, commit or history write).</summary>
/// <remarks>
/// Listens to HttpClient's own activities (<c>System.Net.Http</c>, one per request, SDK retries included), so the counts
/// do not depend on what the code under test says it did. A store decorator opens a scope (an activity of this
/// harness's source); a request made inside it, at any depth of awaits, is also counted on that scope.
/// </remarks>
internal sealed class StorageTrace : IDisposable
{
    public const string SourceName = "Margin.SweepHarness";
    private const string CounterProperty = "harness.counter";

    private readonly ActivitySource _source = new(SourceName);
    private readonly ActivityListener _listener;
    private readonly ConcurrentDictionary<(RequestKind Kind, string Target), long> _totals = new();

    public StorageTrace()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is SourceName or "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = Stopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Opens a scope; requests made until it is disposed are also counted on <paramref name="counter"/>.</summary>
    public Activity? Scope(string name, RequestCounter counter)
    {
        var activity = _source.StartActivity(name);
        activity?.SetCustomProperty(CounterProperty, counter);
        return activity;
    }

    /// <summary>Every request so far, by kind and target (table or queue name).</summary>
    public IReadOnlyDictionary<(RequestKind Kind, string Target), long> Totals() => new Dictionary<(RequestKind, string), long>(_totals);

    /// <summary>Requests between two <see cref="Totals"/>.</summary>
    public static Dictionary<(RequestKind Kind, string Target), long> Difference(IReadOnlyDictionary<(RequestKind Kind, string Target), long> after, IReadOnlyDictionary<(RequestKind Kind, string Target), long> before) =>
        after.Select(kv => (kv.Key, Count: kv.Value - before.GetValueOrDefault(kv.Key))).Where(x => x.Count != 0).ToDictionary(x => x.Key, x => x.Count);

    public void Dispose()
    {
        _listener.Dispose();
        _source.Dispose();
    }

    private void Stopped(Activity activity)
    {
        if (activity.Source.Name != "System.Net.Http")
        {
            return;
        }

        var method = activity.GetTagItem("http.request.method") as string ?? string.Empty;
        var url = activity.GetTagItem("url.full") as string;
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return;
        }

        var (kind, target) = Classify(method, uri);
        _totals.AddOrUpdate((kind, target), 1, (_, n) => n + 1);
        for (var parent = activity.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent.Source.Name == SourceName && parent.GetCustomProperty(CounterProperty) is RequestCounter counter)
            {
                counter.Add(kind);
                break;
            }
        }
    }

    /// <summary>What a Table or Queue service request is, from its method and path (<c>/account/table(...)</c>, <c>/account/$batch</c>, <c>/account/queue/messages[/id]</c>).</summary>
    internal static (RequestKind Kind, string Target) Classify(string method, Uri uri)
    {
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length >= 3 && segments[2] == "messages")
        {
            var queue = segments[1];
            return method switch
            {
                "GET" => (RequestKind.QueueReceive, queue),
                "POST" => (RequestKind.QueueSend, queue),
                "DELETE" => (RequestKind.QueueDelete, queue),
                "PUT" => (RequestKind.QueueUpdate, queue),
                _ => (RequestKind.Other, queue),
            };
        }

        if (segments.Length < 2)
        {
            return (RequestKind.Other, string.Empty);
        }

        var last = Uri.UnescapeDataString(segments[1]);
        if (last == "$batch")
        {
            return (RequestKind.Transaction, "$batch");
        }

        var paren = last.IndexOf('(', StringComparison.Ordinal);
        var table = paren < 0 ? last : last[..paren];
        var keyed = paren >= 0 && last.Length > paren + 2;
        if (table == "Tables")
        {
            // Creating, listing or deleting tables.
            return (RequestKind.Other, table);
        }

        return method switch
        {
            "GET" when keyed => (RequestKind.PointRead, table),
            "GET" => (RequestKind.Query, table),
            "PUT" or "PATCH" or "MERGE" or "DELETE" when keyed => (RequestKind.EntityWrite, table),
            "POST" => (RequestKind.EntityWrite, table),
            _ => (RequestKind.Other, table),
        };
    }
}

/// <summary>What a storage request was.</summary>
internal enum RequestKind
{
    /// <summary>An entity-group transaction (<c>$batch</c>).</summary>
    Transaction,

    /// <summary>A query page.</summary>
    Query,

    /// <summary>A read of one entity by its keys.</summary>
    PointRead,

    /// <summary>A single-entity insert, upsert, merge or delete.</summary>
    EntityWrite,

    QueueSend,
    QueueReceive,
    QueueDelete,
    QueueUpdate,
    Other,
}

/// <summary>Requests counted in one scope (thread-safe).</summary>
internal sealed class RequestCounter
{
    private readonly long[] _counts = new long[Enum.GetValues<RequestKind>().Length];

    public long this[RequestKind kind] => Interlocked.Read(ref _counts[(int)kind]);

    public long Total => Enumerable.Range(0, _counts.Length).Sum(i => Interlocked.Read(ref _counts[i]));

    public void Add(RequestKind kind) => Interlocked.Increment(ref _counts[(int)kind]);
}
