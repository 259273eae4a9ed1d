using System.Net;
using System.Text;
using System.Text.Json;
using Margin.Infrastructure.Queues;
using Margin.Sweep.Stress;
using Margin.Testing.Functions;

namespace MarginFunctions.Tests.Processes;

/// <summary>Book stress through the published handler: POST api/stress, the margin-stress message, RunStress with the host's payload, GET api/stress; effects checked in Azurite.</summary>
public sealed class StressFunctionsTests(StressRunWorld world) : IClassFixture<StressRunWorld>
{
    /// <summary>A request that StartStress or the reader refuses, and what the refusal must say.</summary>
    public static TheoryData<string, string, string> BadRequests { get; } = new()
    {
        { "unknown asset", """{"scenario":"XYZ=-10%"}""", "unknown asset or asset class 'XYZ'" },
        { "malformed shock", """{"scenario":"BTC=-abc%"}""", "is not a number followed by %" },
        { "no percent sign", """{"scenario":"BTC=-25"}""", "must be a percentage ending in %" },
        { "-100 %", """{"scenario":"BTC=-100%"}""", "a move of -100 % leaves no price" },
        { "below -100 %", """{"scenario":"ETH=-150%"}""", "a move of -150 % leaves no price" },
        { "volatility -100 %", """{"scenario":"BTC=-10%","volatilityShocks":"*=-100%"}""", "volatilityShocks" },
        { "unknown params version", """{"scenario":"BTC=-10%","paramsVersion":"no-such-version"}""", "unknown parameter version 'no-such-version'" },
        { "unknown snapshot", """{"scenario":"BTC=-10%","snapshotId":"s-none"}""", "unknown price snapshot 's-none'" },
        { "unknown historical", """{"historical":"1929-10-29-black-tuesday"}""", "unknown scenario '1929-10-29-black-tuesday'" },
        { "historical as a path", """{"historical":"../host"}""", "unknown scenario '../host'" },
        { "both scenario and historical", """{"scenario":"BTC=-10%","historical":"2020-03-12-black-thursday"}""", "give one, not both" },
        { "empty JSON", "{}", "scenario: give the shocks" },
        { "malformed JSON", """{"scenario":"BTC=-10%",""", "the body is not valid JSON" },
        { "not an object", """["BTC=-10%"]""", "the body is a JSON Array" },
        { "JSON null", "null", "the body is a JSON Null" },
        { "empty body", "", "the body is empty" },
        { "unknown field", """{"scenario":"BTC=-10%","rounds":3}""", "rounds: unknown field" },
        { "field in another case", """{"Scenario":"BTC=-10%"}""", "Scenario: unknown field; did you mean scenario?" },
        { "field given twice", """{"scenario":"BTC=-10%","scenario":"ETH=-10%"}""", "scenario: given twice" },
        { "wrong type", """{"scenario":"BTC=-10%","maxRounds":"ten"}""", "maxRounds: must be a whole number (got \"ten\")" },
        { "number too large", """{"scenario":"BTC=-10%","maxRounds":1e12}""", "maxRounds: must be a whole number" },
        { "round limit", """{"scenario":"BTC=-10%","maxRounds":0}""", "maxRounds: must be 1 to 100" },
        { "unknown version", """{"v":2,"scenario":"BTC=-10%"}""", "v: version 2 is not supported" },
        { "unknown curve asset", """{"scenario":"BTC=-10%","curveAsset":"NOPE"}""", "curveAsset: unknown asset 'NOPE'" },
    };

    private static JsonElement Json(string body)
    {
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    private static string[] Logs(HandlerResponse response) =>
        [.. Json(response.Body).GetProperty("Logs").EnumerateArray().Select(l => l.GetString()!)];

    [Fact]
    public void PostStress_ValidScenario_Is202WithTheRunIdStatusUrlAndLocation()
    {
        Assert.Equal(HttpStatusCode.Accepted, world.Posted.Status);
        var root = Json(world.Posted.Body);
        var runId = root.GetProperty("runId").GetString()!;
        Assert.StartsWith("st", runId, StringComparison.Ordinal);
        Assert.Equal("Queued", root.GetProperty("status").GetString());
        Assert.Equal($"/api/stress/{runId}", root.GetProperty("statusUrl").GetString());
        Assert.Equal($"/api/stress/{runId}", world.Posted.Location);
    }

    [Fact]
    public void PostStress_Accepted_PutsOneBase64MessageNamingTheRunOnMarginStress()
    {
        var runId = Json(world.Posted.Body).GetProperty("runId").GetString();
        Assert.Equal($$"""{"v":1,"runId":"{{runId}}"}""", Encoding.UTF8.GetString(Convert.FromBase64String(world.RawMessage)));
        Assert.Equal(world.Message.Body, Encoding.UTF8.GetString(Convert.FromBase64String(world.RawMessage)));
    }

    [Fact]
    public async Task RunStress_HostPayload_CompletesTheRunAndGetStressShowsRoundsAndCurve()
    {
        Assert.Equal(HttpStatusCode.OK, world.Ran.StatusCode);
        var runId = Json(world.Posted.Body).GetProperty("runId").GetString()!;
        var line = Assert.Single(Logs(world.Ran));
        Assert.StartsWith($"stress run {runId} Completed: {world.Accounts} accounts", line, StringComparison.Ordinal);
        Assert.Contains("liquidations, insurance fund loss", line, StringComparison.Ordinal);
        Assert.Contains(" ms", line, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, world.Status.Status);
        Assert.Equal("application/json", world.Status.MediaType);
        var root = Json(world.Status.Body);
        Assert.Equal("Completed", root.GetProperty("run").GetProperty("status").GetString());
        Assert.Equal(StressRunWorld.Scenario, root.GetProperty("run").GetProperty("request").GetProperty("scenario").GetString());
        var result = root.GetProperty("result");
        Assert.Equal(world.Accounts, result.GetProperty("summary").GetProperty("accounts").GetInt32());
        var rounds = result.GetProperty("rounds").GetArrayLength();
        Assert.InRange(rounds, 1, 10);
        Assert.Equal(rounds, result.GetProperty("summary").GetProperty("cascade").GetProperty("rounds").GetInt32());
        Assert.Equal(11, result.GetProperty("curve").GetArrayLength()); // BTC 0 % to -50 % in 5 % steps
        Assert.Equal("BTC", result.GetProperty("summary").GetProperty("curveAsset").GetString());

        // The stored result is the one the document shows (nothing of the live book was written).
        var stored = await world.Storage.StressRuns.GetResultAsync(runId);
        Assert.NotNull(stored);
        Assert.Equal(stored.Cascade.Rounds.Length, rounds);
        Assert.Contains($"{stored.Cascade.Rounds.Length} round(s) ({stored.Cascade.Stop}), {stored.Cascade.Liquidations} liquidations", line, StringComparison.Ordinal);
        Assert.Contains($"insurance fund loss {stored.Cascade.InsuranceFundLoss.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)} USD", line, StringComparison.Ordinal);
        Assert.True((await world.StressRowsAsync()).Count > world.RowsBeforeRun);
    }

    [Fact]
    public async Task RunStress_SameMessageAgain_Is200AlreadyDoneAndChangesNothing()
    {
        var runId = Json(world.Posted.Body).GetProperty("runId").GetString()!;
        var before = await world.Storage.StressRuns.GetAsync(runId);
        Assert.Equal(StressRunStatus.Completed, before!.Status);

        var again = await world.RunStressAsync(world.Message with { DequeueCount = 2 });

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.StartsWith($"stress run {runId} AlreadyDone (not run again): {world.Accounts} accounts", Assert.Single(Logs(again)), StringComparison.Ordinal);
        Assert.Equal(before, await world.Storage.StressRuns.GetAsync(runId));
    }

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task PostStress_BadRequest_Is400WithTheReasonAndWritesNothing(string what, string body, string reason)
    {
        var rows = await world.StressRowsAsync();
        var messages = await world.StressMessageCountAsync();

        var answer = await world.HttpAsync(HttpMethod.Post, "api/stress", body);

        Assert.True(answer.Status == HttpStatusCode.BadRequest, $"{what}: {answer.Status} {answer.Body}");
        var root = Json(answer.Body);
        var errors = root.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(errors, e => e.Contains(reason, StringComparison.Ordinal));
        Assert.Contains(reason, root.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Null(answer.Location);
        Assert.Equal(rows.Select(r => (r.PartitionKey, r.RowKey)), (await world.StressRowsAsync()).Select(r => (r.PartitionKey, r.RowKey)));
        Assert.Equal(messages, await world.StressMessageCountAsync());
    }

    [Fact]
    public async Task PostStress_UnknownFields_AreAllNamed()
    {
        var answer = await world.HttpAsync(HttpMethod.Post, "api/stress", """{"scenario":"BTC=-10%","volatilityShock":"*=+50%","rounds":3}""");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        var errors = Json(answer.Body).GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(2, errors.Count);
        Assert.StartsWith("volatilityShock: unknown field", errors[0], StringComparison.Ordinal);
        Assert.Contains("volatilityShocks", errors[0], StringComparison.Ordinal);
        Assert.StartsWith("rounds: unknown field", errors[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostStress_BodyAboveTheRequestLimit_Is413AndWritesNothing()
    {
        var rows = (await world.StressRowsAsync()).Count;
        var answer = await world.HttpAsync(HttpMethod.Post, "api/stress", "{\"scenario\":\"" + new string('x', FunctionsWorld.MaxRequestBytes) + "\"}");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.Status);
        Assert.Contains("Functions:MaxRequestBytes", Json(answer.Body).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(rows, (await world.StressRowsAsync()).Count);
    }

    [Theory]
    [InlineData("api/stress/st-none", HttpStatusCode.NotFound, "no stress run 'st-none'")]
    [InlineData("api/stress/a%23b", HttpStatusCode.BadRequest, "the stress run id must be")]
    [InlineData("api/stress/%20", HttpStatusCode.BadRequest, "the stress run id must be")]
    [InlineData("api/stress?max=0", HttpStatusCode.BadRequest, "max must be a whole number from 1 to 200")]
    [InlineData("api/stress?max=many", HttpStatusCode.BadRequest, "max must be a whole number from 1 to 200")]
    public async Task GetStress_BadOrUnknownId_AnswersItsStatusWithTheReason(string path, HttpStatusCode expected, string error)
    {
        var answer = await world.HttpAsync(HttpMethod.Get, path);

        Assert.Equal(expected, answer.Status);
        Assert.Contains(error, Json(answer.Body).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetStress_IdTooLong_Is400()
    {
        var answer = await world.HttpAsync(HttpMethod.Get, "api/stress/" + new string('s', 129));

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("id", Json(answer.Body).GetProperty("field").GetString());
    }

    [Fact]
    public async Task GetStress_Queued_IsTheRecordWithNoResult()
    {
        var posted = await world.HttpAsync(HttpMethod.Post, "api/stress", """{"historical":"2020-03-12-black-thursday","curve":false}""");
        Assert.Equal(HttpStatusCode.Accepted, posted.Status);
        var (message, _) = await world.ReceiveStressMessageAsync(Json(posted.Body).GetProperty("runId").GetString()!);
        await world.StressQueue.DeleteMessageAsync(message.Id, message.PopReceipt);

        var answer = await world.HttpAsync(HttpMethod.Get, posted.Location!);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var root = Json(answer.Body);
        Assert.Equal("Queued", root.GetProperty("run").GetProperty("status").GetString());
        Assert.Equal("2020-03-12-black-thursday", root.GetProperty("run").GetProperty("scenarioName").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("result").ValueKind);
    }

    [Fact]
    public async Task ListStress_NewestFirst_HasTheCompletedRunWithItsStatusUrl()
    {
        var runId = Json(world.Posted.Body).GetProperty("runId").GetString()!;

        var answer = await world.HttpAsync(HttpMethod.Get, "api/stress?max=200");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var runs = Json(answer.Body).GetProperty("runs").EnumerateArray().ToList();
        var run = Assert.Single(runs, r => r.GetProperty("run").GetProperty("runId").GetString() == runId);
        Assert.Equal("Completed", run.GetProperty("run").GetProperty("status").GetString());
        Assert.Equal($"/api/stress/{runId}", run.GetProperty("statusUrl").GetString());
        var requested = runs.Select(r => r.GetProperty("run").GetProperty("requestedAt").GetDateTimeOffset()).ToList();
        Assert.Equal(requested.OrderDescending(), requested);
    }

    [Theory]
    [InlineData("{\"v\":2,\"runId\":\"st1\"}", "v is 2")]
    [InlineData("{\"v\":1}", "runId is missing")]
    [InlineData("not json at all", "not JSON")]
    [InlineData("{\"v\":1,\"runId\":\"a/b\"}", "runId")]
    public async Task RunStress_NotAStressMessage_IsCopiedToMarginStressPoisonWithTheReasonAnd200(string body, string reason)
    {
        var message = StressWorld.QueueMessage(body);

        var response = await world.RunStressAsync(message);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(Logs(response), l => l.Contains(StorageStressQueue.PoisonQueueName, StringComparison.Ordinal) && l.Contains(reason, StringComparison.Ordinal));
        var records = (await world.StressPoison.PeekMessagesAsync(32)).Value.Select(m => Json(Encoding.UTF8.GetString(Convert.FromBase64String(m.Body.ToString())))).ToList();
        var record = Assert.Single(records, r => r.GetProperty("messageId").GetString() == message.Id);
        Assert.Contains(reason, record.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(body, record.GetProperty("body").GetString());
        Assert.Equal(1, record.GetProperty("dequeueCount").GetInt64());
    }

    [Fact]
    public async Task RunStress_UnknownRun_Is200WithNothingToRetry()
    {
        var rows = (await world.StressRowsAsync()).Count;

        var response = await world.RunStressAsync(StressWorld.QueueMessage("{\"v\":1,\"runId\":\"st20990101T000000000Z-00000000\"}", dequeueCount: 5));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("stress run st20990101T000000000Z-00000000 is not stored", Assert.Single(Logs(response)), StringComparison.Ordinal);
        Assert.Equal(rows, (await world.StressRowsAsync()).Count);
    }

    [Fact]
    public async Task RunStress_NoQueueItemInData_Answers500AndPoisonsNothing()
    {
        var id = "nodata-" + Guid.NewGuid().ToString("N");
        var response = await world.Handler.InvokeAsync("RunStress", "{\"Data\":{\"other\":\"x\"},\"Metadata\":{\"Id\":\"" + id + "\",\"DequeueCount\":\"1\"}}");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains(Logs(response), l => l.Contains("Data.item", StringComparison.Ordinal) && l.Contains("RunStress/function.json", StringComparison.Ordinal));
        var records = (await world.StressPoison.PeekMessagesAsync(32)).Value.Select(m => Encoding.UTF8.GetString(Convert.FromBase64String(m.Body.ToString())));
        Assert.DoesNotContain(records, r => r.Contains(id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunStress_RunWhoseInputsNoLongerCheck_Is200FailedWithTheReason()
    {
        // A run checks its pinned inputs again when it starts: here its pinned snapshot is one that is not stored (as if it
        // had been removed after the run was accepted). Retrying cannot mend that, so the run fails at once, with the reason.
        var posted = await world.HttpAsync(HttpMethod.Post, "api/stress", """{"scenario":"BTC=-5%","curve":false}""");
        Assert.Equal(HttpStatusCode.Accepted, posted.Status);
        var runId = Json(posted.Body).GetProperty("runId").GetString()!;
        var (message, _) = await world.ReceiveStressMessageAsync(runId);
        var record = (await world.Storage.StressRuns.GetAsync(runId))!;
        await world.Storage.StressRuns.UpdateAsync(record with { Request = record.Request with { SnapshotId = "s-removed" } });

        var response = await world.RunStressAsync(message);
        await world.StressQueue.DeleteMessageAsync(message.Id, message.PopReceipt);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"stress run {runId} Failed", Assert.Single(Logs(response)), StringComparison.Ordinal);
        var failed = (await world.Storage.StressRuns.GetAsync(runId))!;
        Assert.Equal(StressRunStatus.Failed, failed.Status);
        Assert.Contains("unknown price snapshot 's-removed'", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StressReport_CompletedRun_IsTheSelfContainedHtmlPageWithTheCascadeAndCurve()
    {
        var runId = Json(world.Posted.Body).GetProperty("runId").GetString()!;

        var answer = await world.HttpAsync(HttpMethod.Get, $"api/report/stress/{runId}");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("text/html", answer.MediaType);
        Assert.StartsWith("<!DOCTYPE html>", answer.Body, StringComparison.Ordinal);
        Assert.Contains(runId, answer.Body, StringComparison.Ordinal);
        Assert.Contains(Margin.Infrastructure.Reports.HtmlReportWriter.ContentSecurityPolicy, answer.Body, StringComparison.Ordinal);
        foreach (var chart in new[] { "status", "ratios", "flows", "cascade", "curve" })
        {
            Assert.Contains($"data-chart=\"{chart}\"", answer.Body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task StressReport_QueuedRun_Is409SayingItHasNotCompleted()
    {
        var posted = await world.HttpAsync(HttpMethod.Post, "api/stress", """{"scenario":"BTC=-5%","curve":false}""");
        Assert.Equal(HttpStatusCode.Accepted, posted.Status);
        var runId = Json(posted.Body).GetProperty("runId").GetString()!;
        var (message, _) = await world.ReceiveStressMessageAsync(runId);
        await world.StressQueue.DeleteMessageAsync(message.Id, message.PopReceipt);

        var answer = await world.HttpAsync(HttpMethod.Get, $"api/report/stress/{runId}");

        Assert.Equal(HttpStatusCode.Conflict, answer.Status);
        Assert.Contains($"stress run {runId} is Queued", Json(answer.Body).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api/report/stress/st-none", HttpStatusCode.NotFound, "no stress run st-none is stored")]
    [InlineData("api/report/stress/a%23b", HttpStatusCode.BadRequest, "the stress run id must be")]
    public async Task StressReport_BadOrUnknownId_AnswersItsStatusWithTheReason(string path, HttpStatusCode expected, string error)
    {
        var answer = await world.HttpAsync(HttpMethod.Get, path);

        Assert.Equal(expected, answer.Status);
        Assert.Contains(error, Json(answer.Body).GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
