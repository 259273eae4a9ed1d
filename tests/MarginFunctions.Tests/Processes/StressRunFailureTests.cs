using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using Margin.Infrastructure.Queues;
using Margin.Infrastructure.Storage;
using Margin.Sweep.Stress;

namespace MarginFunctions.Tests.Processes;

/// <summary>A stress run whose storage fails under it: 500 so the host retries; on the last attempt the run is marked Failed with the reason before the host poisons its message.</summary>
public sealed class StressRunFailureTests(StressFailureWorld world) : IClassFixture<StressFailureWorld>
{
    private static string[] Logs(string body)
    {
        using var document = JsonDocument.Parse(body);
        return [.. document.RootElement.GetProperty("Logs").EnumerateArray().Select(l => l.GetString()!)];
    }

    [Fact]
    public async Task RunStress_StorageFailingOnEveryAttempt_Is500ThenMarksTheRunFailedOnTheLastAttempt()
    {
        var posted = await world.HttpAsync(HttpMethod.Post, "api/stress", """{"scenario":"BTC=-30%","curve":false}""");
        Assert.Equal(HttpStatusCode.Accepted, posted.Status);
        using (var accepted = JsonDocument.Parse(posted.Body))
        {
            var runId = accepted.RootElement.GetProperty("runId").GetString()!;
            var (message, _) = await world.ReceiveStressMessageAsync(runId);

            // The book's table goes after the run was accepted: reading the book fails with a storage error, which no
            // retry mends here but which the handler cannot tell from a passing outage. (The handler created its tables
            // once, at its first invocation, and does not create them again.)
            await new TableServiceClient(world.Azurite.ConnectionString).DeleteTableAsync(TableAccountStore.TableName);

            var first = await world.RunStressAsync(message);
            Assert.Equal(HttpStatusCode.InternalServerError, first.StatusCode);
            Assert.Contains(Logs(first.Body), l => l.Contains("TableNotFound", StringComparison.Ordinal));
            var afterFirst = (await world.Storage.StressRuns.GetAsync(runId))!;
            Assert.Equal(StressRunStatus.Running, afterFirst.Status);
            Assert.Null(afterFirst.Error);

            var last = await world.RunStressAsync(message with { DequeueCount = 5 });
            Assert.Equal(HttpStatusCode.InternalServerError, last.StatusCode);
            var failed = (await world.Storage.StressRuns.GetAsync(runId))!;
            Assert.Equal(StressRunStatus.Failed, failed.Status);
            Assert.Equal(2, failed.Attempts);
            Assert.NotNull(failed.CompletedAt);
            Assert.StartsWith($"the run failed its last attempt (5 of 5; its message goes to {StorageStressQueue.PoisonQueueName}): RequestFailedException (404 TableNotFound)", failed.Error, StringComparison.Ordinal);
            await WaitForOutputAsync($"RunStress: queue message {message.Id} failed its last attempt (5 of 5); the host moves it to {StorageStressQueue.PoisonQueueName}");

            var status = await world.HttpAsync(HttpMethod.Get, posted.Location!);
            Assert.Equal(HttpStatusCode.OK, status.Status);
            using var document = JsonDocument.Parse(status.Body);
            Assert.Equal("Failed", document.RootElement.GetProperty("run").GetProperty("status").GetString());
            Assert.Contains("TableNotFound", document.RootElement.GetProperty("run").GetProperty("error").GetString(), StringComparison.Ordinal);

            // A copy the host delivers again (a retry after all) finds the run failed and leaves it so.
            var again = await world.RunStressAsync(message with { DequeueCount = 6 });
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.StartsWith($"stress run {runId} AlreadyDone (not run again): Failed: the run failed its last attempt", Assert.Single(Logs(again.Body)), StringComparison.Ordinal);
        }
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
