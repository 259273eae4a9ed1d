using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using Margin.Infrastructure.Queues;
using Margin.Sweep.Orders;
using Margin.Testing.Functions;

namespace MarginFunctions.Tests.Processes;

/// <summary>The published handler, a real process, answering the host's payloads; effects checked in Azurite.</summary>
public sealed class FunctionEndpointsTests(FunctionsWorld world) : IClassFixture<FunctionsWorld>
{
    private static JsonElement Json(string body)
    {
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    private static string[] Logs(HandlerResponse response)
    {
        var root = Json(response.Body);
        Assert.Equal(JsonValueKind.Object, root.GetProperty("Outputs").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("ReturnValue").ValueKind);
        return [.. root.GetProperty("Logs").EnumerateArray().Select(l => l.GetString()!)];
    }

    [Fact]
    public async Task RefreshPrices_PastDueTimer_RunsOnceWritesASnapshotAndSaysSo()
    {
        Assert.Equal(HttpStatusCode.OK, world.RefreshPrices.StatusCode);
        var logs = Logs(world.RefreshPrices);
        Assert.Contains(logs, l => l.Contains("past due", StringComparison.Ordinal));
        var latest = await world.Storage.Snapshots.GetLatestAsync();
        Assert.NotNull(latest);
        Assert.Contains(logs, l => l.Contains($"snapshot {latest}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartSweep_OnTimeTimer_StartsTheSweepWithItsWorkItems()
    {
        Assert.Equal(HttpStatusCode.OK, world.StartSweep.StatusCode);
        var logs = Logs(world.StartSweep);
        Assert.DoesNotContain(logs, l => l.Contains("past due", StringComparison.Ordinal));
        var sweep = await world.Storage.Sweeps.GetLatestAsync();
        Assert.NotNull(sweep);
        Assert.Equal(FunctionsWorld.WorkItems, sweep.WorkItems);
        Assert.Contains(logs, l => l.StartsWith("Started: sweep " + sweep.SweepId, StringComparison.Ordinal));
        Assert.Equal(FunctionsWorld.WorkItems, world.WorkItemMessages.Count);
    }

    [Fact]
    public async Task ProcessShard_HostEncodedMessages_CompleteTheSweepCountingEveryAccountOnce()
    {
        Assert.All(world.ProcessShards, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var sweep = (await world.Storage.Sweeps.GetLatestAsync())!;
        Assert.Equal(sweep.WorkItems, (await world.Storage.Sweeps.DoneAsync(sweep.SweepId)).Count);
        var receipts = new List<Margin.Sweep.Results.SweepReceipt>();
        await foreach (var r in world.Storage.Margin.ReadReceiptsAsync(sweep.SweepId))
        {
            receipts.Add(r);
        }

        Assert.Equal(FunctionsWorld.Partitions, receipts.Count);
        Assert.Equal(FunctionsWorld.Accounts, receipts.Sum(r => r.Accounts));
        Assert.Equal(FunctionsWorld.Accounts, receipts.Sum(r => r.Written));
        var logged = world.ProcessShards.Sum(r => int.Parse(Logs(r)[0].Split(": ", 2)[1].Split(' ')[0], CultureInfo.InvariantCulture));
        Assert.Equal(FunctionsWorld.Accounts, logged);
    }

    [Fact]
    public async Task ProcessShard_DocsFormWithNumericCountAgain_IsIdempotent()
    {
        var sweep = (await world.Storage.Sweeps.GetLatestAsync())!;
        var message = world.WorkItemMessages[0] with { DequeueCount = 2 };
        var response = await world.Handler.InvokeAsync("ProcessShard", HostPayloads.StorageQueue(message, DateTimeOffset.UtcNow, options: HostPayloadOptions.Documented));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var receipts = new List<Margin.Sweep.Results.SweepReceipt>();
        await foreach (var r in world.Storage.Margin.ReadReceiptsAsync(sweep.SweepId))
        {
            receipts.Add(r);
        }

        Assert.Equal(FunctionsWorld.Accounts, receipts.Sum(r => r.Accounts));
    }

    [Fact]
    public async Task ProcessShard_NotAWorkItem_IsCopiedToThePoisonQueueWithTheReasonAnd200()
    {
        var id = "poison-" + Guid.NewGuid().ToString("N");
        var now = DateTimeOffset.UtcNow;
        var response = await world.Handler.InvokeAsync("ProcessShard", HostPayloads.StorageQueue(new HostQueueMessage("{\"v\":9,\"sweepId\":\"x\"}", id, "receipt", 1, now, now.AddDays(7), now), now));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(Logs(response), l => l.Contains("margin-shards-poison", StringComparison.Ordinal) && l.Contains("v is 9", StringComparison.Ordinal));
        var poison = new QueueClient(world.Azurite.ConnectionString, StorageWorkQueue.PoisonQueueName);
        var records = (await poison.PeekMessagesAsync(32)).Value.Select(m => Json(Encoding.UTF8.GetString(Convert.FromBase64String(m.Body.ToString())))).ToList();
        var record = Assert.Single(records, r => r.GetProperty("messageId").GetString() == id);
        Assert.Contains("v is 9", record.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("{\"v\":9,\"sweepId\":\"x\"}", record.GetProperty("body").GetString());
    }

    [Fact]
    public async Task ProcessShard_FailingOnItsLastAttempt_Answers500AndLogsThePoisoning()
    {
        var now = DateTimeOffset.UtcNow;
        var body = "{\"v\":1,\"sweepId\":\"sw-missing\",\"snapshotId\":\"s-missing\",\"paramsVersion\":\"demo-1\",\"partitionFrom\":0,\"partitionTo\":3}";
        var response = await world.Handler.InvokeAsync("ProcessShard", HostPayloads.StorageQueue(new HostQueueMessage(body, "last-" + Guid.NewGuid().ToString("N"), "r", 5, now, now.AddDays(7), now), now));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains(Logs(response), l => l.Contains("sw-missing", StringComparison.Ordinal));
        await WaitForOutputAsync("failed its last attempt (5 of 5)");
    }

    [Fact]
    public async Task RecordLiquidationEvent_ServiceBusPayload_MovesTheOrderAndAnswers200()
    {
        var order = await FirstOrderAsync();
        var body = $$"""{"v":1,"orderId":"{{order.OrderId}}","accountId":"{{order.AccountId}}","state":"Accepted","at":"{{DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)}}","filledLegs":[]}""";
        var response = await world.Handler.InvokeAsync("RecordLiquidationEvent", ServiceBusPayload(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (_, orders) = await world.Storage.Margin.ReadAccountAsync(order.AccountId);
        Assert.Equal(OrderState.Accepted, Assert.Single(orders, o => o.OrderId == order.OrderId).State);
    }

    [Theory]
    [InlineData("{\"v\":1,\"orderId\":", "MalformedEvent")]
    [InlineData("{\"v\":1,\"orderId\":\"ord-none\",\"accountId\":\"acct-none\",\"state\":\"Accepted\",\"at\":\"2026-11-24T00:00:00+00:00\",\"filledLegs\":[]}", "UnknownOrder")]
    public async Task RecordLiquidationEvent_RefusedEvent_Answers500WithTheReason(string body, string reason)
    {
        var response = await world.Handler.InvokeAsync("RecordLiquidationEvent", ServiceBusPayload(body));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains(Logs(response), l => l.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProcessShard_NoQueueItemInData_Answers500AndPoisonsNothing()
    {
        var id = "nodata-" + Guid.NewGuid().ToString("N");
        var response = await world.Handler.InvokeAsync("ProcessShard", "{\"Data\":{\"other\":\"x\"},\"Metadata\":{\"Id\":\"" + id + "\",\"DequeueCount\":\"1\"}}");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains(Logs(response), l => l.Contains("Data.item", StringComparison.Ordinal));
        var poison = new QueueClient(world.Azurite.ConnectionString, StorageWorkQueue.PoisonQueueName);
        var records = (await poison.PeekMessagesAsync(32)).Value.Select(m => Encoding.UTF8.GetString(Convert.FromBase64String(m.Body.ToString())));
        Assert.DoesNotContain(records, r => r.Contains(id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AccountMargin_MalformedLedgerRow_Is200WithTheProblem()
    {
        var id = "broken-" + Guid.NewGuid().ToString("N")[..12];
        var accounts = new Azure.Data.Tables.TableClient(world.Azurite.ConnectionString, Margin.Infrastructure.Storage.TableAccountStore.TableName);
        await accounts.UpsertEntityAsync(new Azure.Data.Tables.TableEntity(world.Storage.Partitioner.KeyOfAccount(id), id) { ["Version"] = "not a number" });
        var (status, body) = await world.HttpAsync(HttpMethod.Get, $"api/accounts/{id}/margin");
        Assert.Equal(HttpStatusCode.OK, status);
        var root = Json(body);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("ledger").ValueKind);
        Assert.Contains("cannot be read", root.GetProperty("ledgerProblem").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("result").ValueKind);
    }

    [Theory]
    [InlineData("api/sweeps/%20")]
    [InlineData("api/sweeps/a%23b")]
    public async Task Sweep_InvalidId_Is400(string path)
    {
        var (status, body) = await world.HttpAsync(HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("id", Json(body).GetProperty("field").GetString());
    }

    [Fact]
    public async Task ProcessShard_BodyTooLongToKeepWhole_Answers500SoTheHostKeepsIt()
    {
        var now = DateTimeOffset.UtcNow;
        var id = "long-" + Guid.NewGuid().ToString("N");
        var body = "{\"pad\":\"" + new string('x', StorageWorkQueue.MaxPoisonBodyChars) + "\"}";
        var response = await world.Handler.InvokeAsync("ProcessShard", HostPayloads.StorageQueue(new HostQueueMessage(body, id, "r", 1, now, now.AddDays(7), now), now));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains(Logs(response), l => l.Contains("characters, not a work item", StringComparison.Ordinal));
        var poison = new QueueClient(world.Azurite.ConnectionString, StorageWorkQueue.PoisonQueueName);
        var records = (await poison.PeekMessagesAsync(32)).Value.Select(m => Encoding.UTF8.GetString(Convert.FromBase64String(m.Body.ToString())));
        Assert.DoesNotContain(records, r => r.Contains(id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Invocation_LargerThanTheLimit_Answers413()
    {
        var now = DateTimeOffset.UtcNow;
        var huge = new string('x', FunctionsWorld.MaxRequestBytes + 1);
        var response = await world.Handler.InvokeAsync("ProcessShard", HostPayloads.StorageQueue(new HostQueueMessage(huge, "big", "r", 1, now, now.AddDays(7), now), now));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task AccountMargin_StoredAccount_ReturnsResultOrdersAndHistory()
    {
        var order = await FirstOrderAsync();
        var (status, body) = await world.HttpAsync(HttpMethod.Get, $"api/accounts/{order.AccountId}/margin?history=5");
        Assert.Equal(HttpStatusCode.OK, status);
        var root = Json(body);
        var (stored, _) = await world.Storage.Margin.ReadAccountAsync(order.AccountId);
        Assert.Equal(stored!.Status.ToString(), root.GetProperty("result").GetProperty("status").GetString());
        Assert.Equal(stored.SweepId, root.GetProperty("result").GetProperty("sweepId").GetString());
        Assert.Contains(root.GetProperty("orders").EnumerateArray(), o => o.GetProperty("orderId").GetString() == order.OrderId);
        Assert.InRange(root.GetProperty("history").GetArrayLength(), 1, 5);
        Assert.NotEmpty(root.GetProperty("ledger").GetProperty("balances").EnumerateArray());
    }

    [Theory]
    [InlineData("api/accounts/acct-none/margin", HttpStatusCode.NotFound, "no account 'acct-none'")]
    [InlineData("api/accounts/acct-000001/margin?history=many", HttpStatusCode.BadRequest, "history must be")]
    [InlineData("api/sweeps/sw-none", HttpStatusCode.NotFound, "no sweep 'sw-none'")]
    public async Task Http_BadRequests_AnswerTheirStatusWithTheReason(string path, HttpStatusCode expected, string error)
    {
        var (status, body) = await world.HttpAsync(HttpMethod.Get, path);
        Assert.Equal(expected, status);
        Assert.Contains(error, Json(body).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccountMargin_IdLongerThan128_Is400()
    {
        var (status, body) = await world.HttpAsync(HttpMethod.Get, $"api/accounts/{new string('a', 129)}/margin");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("id", Json(body).GetProperty("field").GetString());
    }

    [Fact]
    public async Task Sweep_Latest_IsCompleteWithEveryAccountCounted()
    {
        var (status, body) = await world.HttpAsync(HttpMethod.Get, "api/sweeps/latest");
        Assert.Equal(HttpStatusCode.OK, status);
        var root = Json(body);
        Assert.True(root.GetProperty("complete").GetBoolean());
        Assert.Equal(FunctionsWorld.Accounts, root.GetProperty("accounts").GetInt32());
        Assert.Equal(FunctionsWorld.Accounts, root.GetProperty("byStatus").EnumerateObject().Sum(p => p.Value.GetInt32()));
    }

    [Fact]
    public async Task Evaluate_MalformedJson_Is400WithAClearMessage()
    {
        var (status, body) = await world.HttpAsync(HttpMethod.Post, "api/evaluate", "{\"schemaVersion\": 1, ");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var problem = Assert.Single(Json(body).GetProperty("errors").EnumerateArray()).GetProperty("problem").GetString();
        Assert.Contains("not valid JSON", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_ExampleBook_Is200WithEveryAccountEvaluated()
    {
        var input = await File.ReadAllTextAsync(Path.Combine(Packaging.PackagedFunctionApp.RepositoryRoot, "examples", "evaluate-book.json"));
        var (status, body) = await world.HttpAsync(HttpMethod.Post, "api/evaluate", input);
        Assert.Equal(HttpStatusCode.OK, status);
        var root = Json(body);
        var accounts = Json(input).GetProperty("accounts").GetArrayLength();
        Assert.Equal(accounts, root.GetProperty("counts").GetProperty("accounts").GetInt32());
        Assert.Equal(accounts, root.GetProperty("results").GetArrayLength());
    }

    [Fact]
    public async Task Evaluate_BodyAboveItsLimit_Is413()
    {
        var (status, body) = await world.HttpAsync(HttpMethod.Post, "api/evaluate", "{\"pad\":\"" + new string('x', 4 * FunctionsWorld.MaxRequestBytes) + "\"}");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("MaxEvaluateBytes", Json(body).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("latest")]
    [InlineData(null)]
    public async Task SweepReport_CompletedSweep_IsTheSelfContainedHtmlPage(string? which)
    {
        var sweep = (await world.Storage.Sweeps.GetLatestAsync())!;

        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/report/sweep/{which ?? sweep.SweepId}");
        using var response = await world.Handler.SendAsync(request);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Margin.Infrastructure.Reports.HtmlReportWriter.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains(sweep.SweepId, html, StringComparison.Ordinal);
        Assert.Contains("data-chart=\"status\"", html, StringComparison.Ordinal);
        Assert.Contains("data-chart=\"ratios\"", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api/report/sweep/sw-none", HttpStatusCode.NotFound, "no sweep sw-none is stored")]
    [InlineData("api/report/sweep/a%23b", HttpStatusCode.BadRequest, "the sweep id must be")]
    public async Task SweepReport_BadOrUnknownId_AnswersItsStatusWithTheReason(string path, HttpStatusCode expected, string error)
    {
        var (status, body) = await world.HttpAsync(HttpMethod.Get, path);

        Assert.Equal(expected, status);
        Assert.Contains(error, Json(body).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_ReportsEveryDependency_AndIsUnhealthyOnlyForAFailedCheck()
    {
        var (status, body) = await world.HttpAsync(HttpMethod.Get, "api/health");
        var root = Json(body);
        var checks = root.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("healthy").GetBoolean());
        Assert.Equal(["prices", "queue", "serviceBus", "storage"], checks.Keys.Order(StringComparer.Ordinal));
        Assert.True(checks["storage"]);
        Assert.True(checks["prices"]);
        Assert.True(checks["serviceBus"]);
        var poisoned = (await new QueueClient(world.Azurite.ConnectionString, StorageWorkQueue.PoisonQueueName).GetPropertiesAsync()).Value.ApproximateMessagesCount;
        Assert.Equal(poisoned == 0, checks["queue"]);
        Assert.Equal(checks.Values.All(v => v) ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(checks.Values.All(v => v), root.GetProperty("healthy").GetBoolean());
    }

    private async Task<StoredOrder> FirstOrderAsync()
    {
        await foreach (var order in world.Storage.Margin.ReadOrdersAsync(unsentOnly: false))
        {
            return order;
        }

        throw new InvalidOperationException($"the seeded book of {FunctionsWorld.Accounts} accounts produced no liquidation order; pick another seed");
    }

    private static string ServiceBusPayload(string body)
    {
        var now = DateTimeOffset.UtcNow;
        return HostPayloads.ServiceBus(new HostServiceBusMessage(body, "evt-" + Guid.NewGuid().ToString("N"), Guid.NewGuid(), 1, 7, now, now.AddDays(14)) { Subject = "LiquidationEvent" }, now);
    }

    private async Task WaitForOutputAsync(string text)
    {
        for (var i = 0; i < 100 && !world.Handler.Output().Contains(text, StringComparison.Ordinal); i++)
        {
            await Task.Delay(50);
        }

        Assert.Contains(text, world.Handler.Output(), StringComparison.Ordinal);
    }
}
