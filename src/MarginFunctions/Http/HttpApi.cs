using System.Diagnostics;
using System.Globalization;
using System.Text;
using Margin.Engine.Accounts;
using Margin.Engine.Results;
using Margin.Infrastructure.Documents;
using Margin.Infrastructure.Documents.Evaluation;
using Margin.Infrastructure.Storage;
using Margin.Sweep.Results;
using MarginFunctions.Hosting;
using Microsoft.AspNetCore.Http.Features;

namespace MarginFunctions.Http;

/// <summary>The HTTP functions. The host forwards each request unchanged on its original path (<c>/api/...</c>; <c>enableForwardingHttpRequest</c>) after checking its function key, and returns this answer, status code included.</summary>
internal static class HttpApi
{
    /// <summary>host.json's <c>extensions.http.routePrefix</c>.</summary>
    public const string RoutePrefix = "/api";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet(RoutePrefix + "/accounts/{id}/margin", AccountMarginAsync);
        routes.MapPost(RoutePrefix + "/evaluate", EvaluateAsync);
        routes.MapGet(RoutePrefix + "/sweeps/{id}", SweepAsync);
        routes.MapGet(RoutePrefix + "/health", HealthAsync);
        StressApi.Map(routes);
        ReportApi.Map(routes);
    }

    private static async Task<IResult> AccountMarginAsync(HttpContext context, string id, MarginApp app)
    {
        var ct = context.RequestAborted;
        if (id.Length is 0 or > TableAccountStore.MaxAccountIdLength)
        {
            return Refuse(context, StatusCodes.Status400BadRequest, $"the account id must be 1 to {TableAccountStore.MaxAccountIdLength} characters (got {id.Length})", "id");
        }

        var history = app.Functions.DefaultHistory;
        if (context.Request.Query.TryGetValue("history", out var text) && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out history) || history is < 0 or > 500))
        {
            return Refuse(context, StatusCodes.Status400BadRequest, $"history must be a whole number from 0 to 500 (got '{text}')", "history");
        }

        await app.EnsureCreatedAsync(ct).ConfigureAwait(false);
        var accountTask = app.Storage.Accounts.GetAsync(id, ct);
        var storedTask = app.Storage.Margin.ReadAccountAsync(id, ct);
        var changesTask = history == 0 ? Task.FromResult<IReadOnlyList<Margin.Sweep.History.StatusChange>>([]) : app.Storage.History.ReadAsync(id, history, ct);
        try
        {
            await Task.WhenAll(accountTask, storedTask, changesTask).ConfigureAwait(false);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            // Each read's own outcome is awaited below: a storage failure propagates as itself, a bad ledger row is reported.
        }

        var (result, orders) = await storedTask.ConfigureAwait(false);
        var changes = await changesTask.ConfigureAwait(false);
        Account? account = null;
        string? ledgerProblem = null;
        try
        {
            account = await accountTask.ConfigureAwait(false);
        }
        catch (InvalidAccountException ex)
        {
            // The ledger wrote a row this version cannot read: say so, and still answer with the stored result and history.
            ledgerProblem = ex.Message;
        }

        var partition = AccountPartitioner.KeyOf(app.Storage.Partitioner.PartitionOf(id));
        if (account is null && result is null && ledgerProblem is null)
        {
            return Refuse(context, StatusCodes.Status404NotFound, $"no account '{id}' (partition {partition} of {app.Storage.Options.Partitions})", "id");
        }

        var body = new AccountMarginBody(
            id,
            partition,
            account is null ? null : new AccountLedgerBody(
                account.Version,
                account.Mode.ToString(),
                [.. account.Balances.Select(b => new BalanceBody(b.Asset.ToString(), DecimalText.Format(b.Quantity)))],
                [.. account.Positions.Select(p => new PositionBody(p.InstrumentId, DecimalText.Format(p.Quantity), DecimalText.Format(p.EntryPrice)))]),
            ledgerProblem,
            result is null ? null : ResultBody(result),
            [.. orders.Select(o => new OrderBody(o.OrderId, o.Episode, o.State.ToString(), o.Sent, o.CreatedAt, o.ExpiresAt, o.SentAt, o.SweepId))],
            [.. changes.Select(c => new StatusChangeBody(c.At, c.From?.ToString(), c.To?.ToString(), JsonReportWriter.FlagNames(c.Flags), c.MarginRatio, c.Reason, c.OrderId, c.SweepId, c.SnapshotId, c.ParamsVersion, c.AccountVersion))]);
        return Results.Json(body, HttpJsonContext.Default.AccountMarginBody);
    }

    private static MarginResultBody ResultBody(StoredResult r) => new(
        r.Status?.ToString(),
        r.Problem,
        JsonReportWriter.FlagNames(r.Flags),
        r.MarginRatio,
        r.InitialRatio,
        r.ProjectedRatio,
        DecimalText.Format(r.Equity),
        DecimalText.Format(r.AdjustedEquityMaintenance),
        DecimalText.Format(r.MaintenanceRequirement),
        DecimalText.Format(r.InitialRequirement),
        r.ReasonRule,
        r.Reason,
        r.EvaluatedAt,
        r.SweepId,
        r.SnapshotId,
        r.SnapshotAsOf,
        r.ParamsVersion,
        r.AccountVersion,
        r.Episode,
        r.OpenOrderId);

    private static async Task<IResult> EvaluateAsync(HttpContext context, MarginApp app)
    {
        var ct = context.RequestAborted;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = app.Functions.MaxEvaluateBytes;
        }

        if (context.Request.ContentLength > app.Functions.MaxEvaluateBytes)
        {
            return TooLarge(context, app.Functions.MaxEvaluateBytes, "Functions:MaxEvaluateBytes");
        }

        string json;
        try
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            json = await reader.ReadToEndAsync(ct).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(context, app.Functions.MaxEvaluateBytes, "Functions:MaxEvaluateBytes");
        }

        if (string.IsNullOrWhiteSpace(json))
        {
            return Refuse(context, StatusCodes.Status400BadRequest, "the body is empty: POST a margin evaluate input (schemaVersion 1: snapshot, parameters, accounts; docs/evaluate.md)", null);
        }

        // The same reader, evaluator and document as `margin evaluate --output json`: input problems answer 400 with the
        // document's errors (each naming its JSON path); accounts that fail alone are reported inside a 200 document.
        var (input, problems) = EvaluateInputReader.Read(json);
        var report = input is null ? EvaluationReport.Rejected(problems) : BookEvaluator.Evaluate(input, ct);
        var status = report.InputProblems.Count > 0 ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK;
        if (status != StatusCodes.Status200OK)
        {
            Log.HttpRefused(Logger(context), context.Request.Method, context.Request.Path, status, string.Join("; ", report.InputProblems.Take(3)));
        }

        return Results.Text(JsonReportWriter.Serialize(report), "application/json", Encoding.UTF8, status);
    }

    private static async Task<IResult> SweepAsync(HttpContext context, string id, MarginApp app)
    {
        var ct = context.RequestAborted;
        await app.EnsureCreatedAsync(ct).ConfigureAwait(false);
        if (SweepIdProblem(id) is { } problem)
        {
            return Refuse(context, StatusCodes.Status400BadRequest, problem, "id");
        }

        var sweep = id == "latest" ? await app.Storage.Sweeps.GetLatestAsync(ct).ConfigureAwait(false) : await app.Storage.Sweeps.GetAsync(id, ct).ConfigureAwait(false);
        if (sweep is null)
        {
            return Refuse(context, StatusCodes.Status404NotFound, id == "latest" ? "no sweep has been started yet" : $"no sweep '{id}'", "id");
        }

        var doneTask = app.Storage.Sweeps.DoneAsync(sweep.SweepId, ct);
        var receipts = new List<SweepReceipt>();
        await foreach (var receipt in app.Storage.Margin.ReadReceiptsAsync(sweep.SweepId, ct).ConfigureAwait(false))
        {
            receipts.Add(receipt);
        }

        var done = await doneTask.ConfigureAwait(false);
        var byStatus = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var status in Enum.GetValues<MarginStatus>())
        {
            byStatus[status.ToString()] = receipts.Sum(r => r.ByStatus.GetValueOrDefault(status));
        }

        return Results.Json(
            new SweepBody(
                sweep.SweepId,
                sweep.SnapshotId,
                sweep.ParamsVersion,
                sweep.StartedAt,
                sweep.Deadline,
                sweep.NoLiquidation,
                sweep.WorkItems,
                done.Count,
                done.Count >= sweep.WorkItems,
                sweep.PartitionCount,
                receipts.Count,
                receipts.Sum(r => r.Accounts),
                receipts.Sum(r => r.Written),
                receipts.Sum(r => r.Unchanged),
                receipts.Sum(r => r.Superseded),
                receipts.Sum(r => r.Failed),
                receipts.Sum(r => r.Orders),
                byStatus),
            HttpJsonContext.Default.SweepBody);
    }

    private static async Task<IResult> HealthAsync(HttpContext context, MarginApp app)
    {
        var ct = context.RequestAborted;
        var now = app.Time.GetUtcNow();
        var checks = await Task.WhenAll(
            CheckAsync("storage", app, async token =>
            {
                await app.EnsureCreatedAsync(token).ConfigureAwait(false);
                var latest = await app.Storage.Snapshots.GetLatestAsync(token).ConfigureAwait(false);
                return (true, latest is null ? "tables reachable; no price snapshot yet" : $"tables reachable; latest snapshot {latest}");
            }, ct),
            CheckAsync("queue", app, async token =>
            {
                await app.EnsureCreatedAsync(token).ConfigureAwait(false);
                var pending = await app.Storage.WorkQueue.ApproximateCountAsync(token).ConfigureAwait(false);
                var poisoned = await app.Storage.WorkQueue.ApproximatePoisonCountAsync(token).ConfigureAwait(false);
                return (poisoned == 0, string.Create(CultureInfo.InvariantCulture, $"{pending} work item(s) waiting; {poisoned} in {Margin.Infrastructure.Queues.StorageWorkQueue.PoisonQueueName}"));
            }, ct),
            CheckAsync("serviceBus", app, async token =>
            {
                if (app.Bus is null)
                {
                    return (true, "not configured: orders stay in the outbox");
                }

                await app.Bus.ProbeAsync(token).ConfigureAwait(false);
                return (true, $"connected to {app.Bus.Namespace}; sender on '{app.Bus.Options.OrdersQueue}' open");
            }, ct),
            CheckAsync("prices", app, async token =>
            {
                await app.EnsureCreatedAsync(token).ConfigureAwait(false);
                if (await app.Storage.Snapshots.GetLatestAsync(token).ConfigureAwait(false) is not { } id
                    || await app.Storage.Snapshots.ReadAsync(id, token).ConfigureAwait(false) is not { } snapshot)
                {
                    return (false, "no price snapshot yet (RefreshPrices has not run)");
                }

                var age = now - snapshot.AsOf;
                var fresh = age <= app.Settings.Sweep.SnapshotMaxAge;
                return (fresh, string.Create(CultureInfo.InvariantCulture, $"snapshot {snapshot.Id} is {age.TotalSeconds:0} s old (Sweep:SnapshotMaxAge {app.Settings.Sweep.SnapshotMaxAge.TotalSeconds:0} s){(fresh ? string.Empty : ": stale, sweeps run in no-liquidation mode")}"));
            }, ct)).ConfigureAwait(false);
        var healthy = checks.All(c => c.Healthy);
        return Results.Json(new HealthBody(healthy, now, checks), HttpJsonContext.Default.HealthBody, statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<HealthCheckBody> CheckAsync(string name, MarginApp app, Func<CancellationToken, Task<(bool Healthy, string Detail)>> check, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(app.Functions.HealthTimeout);
        try
        {
            var (healthy, detail) = await check(timeout.Token).ConfigureAwait(false);
            return new HealthCheckBody(name, healthy, detail, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            var detail = timeout.IsCancellationRequested ? $"no answer within {app.Functions.HealthTimeout.TotalSeconds:0.#} s" : $"{ex.GetType().Name}: {ex.Message.Split('\n', 2)[0]}";
            return new HealthCheckBody(name, false, detail, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>What is wrong with a sweep id of a route (<c>sweeps/{id}</c>, <c>report/sweep/{id}</c>), or null.</summary>
    internal static string? SweepIdProblem(string id) => IdProblem(id, 200, "the sweep id", "(or 'latest')");

    /// <summary>Why an id from a route cannot be a stored key (empty, too long, or a character a table key or URL path cannot hold), or null.</summary>
    internal static string? IdProblem(string id, int maxLength, string what, string hint) =>
        string.IsNullOrWhiteSpace(id) || id.Length > maxLength || id.Any(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c))
            ? string.Create(CultureInfo.InvariantCulture, $"{what} must be 1 to {maxLength} characters without / \\ # ? or control characters {hint}")
            : null;

    /// <summary>413 naming the limit and its setting.</summary>
    internal static IResult TooLarge(HttpContext context, long limit, string setting) =>
        Refuse(context, StatusCodes.Status413PayloadTooLarge, string.Create(CultureInfo.InvariantCulture, $"the body is larger than {limit} bytes ({setting})"), null);

    /// <summary>An error answer (<see cref="ErrorBody"/>), logged as a refusal.</summary>
    internal static IResult Refuse(HttpContext context, int status, string error, string? field)
    {
        Log.HttpRefused(Logger(context), context.Request.Method, context.Request.Path, status, error);
        return Results.Json(new ErrorBody(error, field), HttpJsonContext.Default.ErrorBody, statusCode: status);
    }

    internal static ILogger Logger(HttpContext context) => context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("MarginFunctions.Http");
}
