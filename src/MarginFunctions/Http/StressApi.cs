using System.Globalization;
using System.Text;
using Margin.Infrastructure.Stress;
using Margin.Sweep.Stress;
using MarginFunctions.Hosting;

namespace MarginFunctions.Http;

/// <summary>The book stress HTTP functions: <c>POST api/stress</c> accepts and enqueues a run (the RunStress function executes it), <c>GET api/stress/{id}</c> and <c>GET api/stress</c> read runs.</summary>
/// <remarks>No stress is computed in an HTTP request: instances scale in, and a run may take a minute.</remarks>
internal static class StressApi
{
    /// <summary>The most runs <c>GET api/stress</c> lists.</summary>
    public const int MaxList = 200;

    /// <summary>How many runs <c>GET api/stress</c> lists without <c>?max=</c>.</summary>
    public const int DefaultList = 20;

    /// <summary>The longest run id (<c>st20261124T235900123Z-1a2b3c4d</c> is 31 characters).</summary>
    public const int MaxRunIdLength = 128;

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost(HttpApi.RoutePrefix + "/stress", StartAsync);
        routes.MapGet(HttpApi.RoutePrefix + "/stress", ListAsync);
        routes.MapGet(HttpApi.RoutePrefix + "/stress/{id}", GetAsync);
    }

    /// <summary>The status URL of a run, as <c>POST api/stress</c> answers it and <c>GET api/stress/{id}</c> serves it.</summary>
    public static string StatusUrl(string runId) => $"{HttpApi.RoutePrefix}/stress/{Uri.EscapeDataString(runId)}";

    private static async Task<IResult> StartAsync(HttpContext context, MarginApp app)
    {
        var ct = context.RequestAborted;
        var limit = app.Functions.MaxRequestBytes;
        if (context.Request.ContentLength > limit)
        {
            return HttpApi.TooLarge(context, limit, "Functions:MaxRequestBytes");
        }

        string json;
        try
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            json = await reader.ReadToEndAsync(ct).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return HttpApi.TooLarge(context, limit, "Functions:MaxRequestBytes");
        }

        var (request, problems) = StressRequestReader.Read(json);
        if (request is null)
        {
            return Refuse(context, problems);
        }

        // Checked against the stores (parameters, snapshot, scenario, book) before anything is written: a refused request
        // leaves no record and no message.
        await app.EnsureCreatedAsync(ct).ConfigureAwait(false);
        var start = await app.Stress.Start.ExecuteAsync(request, enqueue: true, ct).ConfigureAwait(false);
        if (start.Record is not { } record)
        {
            return Refuse(context, start.Problems);
        }

        var logger = HttpApi.Logger(context);
        var candidate = record.Candidate ? " (a candidate version, not the active one)" : string.Empty;
        Log.StressAccepted(logger, record.RunId, record.ScenarioName, record.SnapshotId, record.ParamsVersion, candidate);
        var statusUrl = StatusUrl(record.RunId);
        context.Response.Headers.Location = statusUrl;
        return Results.Json(new StressAcceptedBody(record.RunId, record.Status.ToString(), statusUrl), HttpJsonContext.Default.StressAcceptedBody, statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> GetAsync(HttpContext context, string id, MarginApp app)
    {
        var ct = context.RequestAborted;
        if (IdProblem(id) is { } problem)
        {
            return HttpApi.Refuse(context, StatusCodes.Status400BadRequest, problem, "id");
        }

        await app.EnsureCreatedAsync(ct).ConfigureAwait(false);
        var record = await app.Storage.StressRuns.GetAsync(id, ct).ConfigureAwait(false);
        if (record is null)
        {
            return HttpApi.Refuse(context, StatusCodes.Status404NotFound, $"no stress run '{id}'", "id");
        }

        var result = record.Status == StressRunStatus.Completed ? await app.Storage.StressRuns.GetResultAsync(record.RunId, ct).ConfigureAwait(false) : null;
        return Results.Text(StressRunDocument.Serialize(record, result), "application/json", Encoding.UTF8, StatusCodes.Status200OK);
    }

    private static async Task<IResult> ListAsync(HttpContext context, MarginApp app)
    {
        var ct = context.RequestAborted;
        var max = DefaultList;
        if (context.Request.Query.TryGetValue("max", out var text) && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out max) || max is < 1 or > MaxList))
        {
            return HttpApi.Refuse(context, StatusCodes.Status400BadRequest, string.Create(CultureInfo.InvariantCulture, $"max must be a whole number from 1 to {MaxList} (got '{text}')"), "max");
        }

        await app.EnsureCreatedAsync(ct).ConfigureAwait(false);
        var records = await app.Storage.StressRuns.ListAsync(max, ct).ConfigureAwait(false);
        var runs = records.Select(r => new StressRunListItem(StressRunDocument.ToJson(r, null).Run, StatusUrl(r.RunId))).ToList();
        return Results.Json(new StressRunsBody(runs), HttpJsonContext.Default.StressRunsBody);
    }

    /// <summary>What is wrong with a stress run id of a route, or null.</summary>
    internal static string? IdProblem(string id) =>
        HttpApi.IdProblem(id, MaxRunIdLength, "the stress run id", "(POST api/stress answers it, e.g. st20261124T235900123Z-1a2b3c4d)");

    private static IResult Refuse(HttpContext context, IReadOnlyList<string> problems)
    {
        Log.HttpRefused(HttpApi.Logger(context), context.Request.Method, context.Request.Path, StatusCodes.Status400BadRequest, string.Join("; ", problems.Take(3)));
        return Results.Json(new StressRefusedBody(string.Join("; ", problems), problems), HttpJsonContext.Default.StressRefusedBody, statusCode: StatusCodes.Status400BadRequest);
    }
}
