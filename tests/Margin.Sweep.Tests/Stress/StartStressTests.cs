using Margin.Sweep.Stress;

namespace Margin.Sweep.Tests.Stress;

public sealed class StartStressTests
{
    public static TheoryData<StressRequest, string> BadRequests => new()
    {
        { new StressRequest { Scenario = "XYZ=-25%" }, "unknown asset or asset class 'XYZ'" },
        { new StressRequest { Scenario = "BTC=-25" }, "must be a percentage ending in %" },
        { new StressRequest { Scenario = "BTC=25%%" }, "is not a number" },
        { new StressRequest { Scenario = "BTC=-100%" }, "leaves no price" },
        { new StressRequest { Scenario = "BTC=-120%" }, "leaves no price" },
        { new StressRequest { Scenario = "USD=-10%" }, "settlement currency" },
        { new StressRequest { Scenario = "BTC=-25%", VolatilityShocks = "*=-100%" }, "volatilityShocks: shock 1" },
        { new StressRequest { Scenario = "BTC=-25%", ParamsVersion = "nope" }, "unknown parameter version 'nope'" },
        { new StressRequest { Scenario = "BTC=-25%", SnapshotId = "s-missing" }, "unknown price snapshot 's-missing'" },
        { new StressRequest { Historical = "1999-12-31-y2k" }, "unknown scenario '1999-12-31-y2k' (shipped: 2099-01-01-test-crash)" },
        { new StressRequest { Scenario = "BTC=-25%", Historical = "2099-01-01-test-crash" }, "give one, not both" },
        { new StressRequest(), "give the shocks" },
        { new StressRequest { Scenario = "BTC=-25%", CurveAsset = "XYZ" }, "curveAsset: unknown asset 'XYZ'" },
        { new StressRequest { Scenario = "BTC=-25%", CurveAsset = "USD" }, "settlement currency" },
        { new StressRequest { Scenario = "BTC=-25%", CurveTo = -100m }, "leaves no price" },
        { new StressRequest { Scenario = "BTC=-25%", CurveStep = 0m }, "curveStep" },
        { new StressRequest { Scenario = "BTC=-25%", CurveStep = 0.0000000000000000000000000001m }, "curveStep: must be a percentage from 0.0001" },
        { new StressRequest { Scenario = "BTC=-25%", CurveFrom = 0m, CurveTo = -99m, CurveStep = 0.5m }, "more than 101 points" },
        { new StressRequest { Scenario = "BTC=-25%", CurveTo = 79228162514264337593543950335m, CurveStep = 70000000000000000000000000000m }, "is beyond +100000%" },
        { new StressRequest { Scenario = "BTC=-25%", CurveFrom = -50m, CurveTo = 0m, CurveStep = 79228162514264337593543950335m }, "curveStep: must be a percentage from 0.0001 to 100000" },
        { new StressRequest { Scenario = "BTC=-25%", CurveFrom = 0m, CurveTo = 100000m, CurveStep = 0.0001m }, "more than 101 points" },
        { new StressRequest { Scenario = "BTC=-25%", MaxRounds = 0 }, "maxRounds" },
        { new StressRequest { Scenario = "BTC=-25%", MaxRounds = 101 }, "maxRounds" },
        { new StressRequest { Scenario = "BTC=-25%", V = 2 }, "version 2 is not supported" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task ExecuteAsync_BadInput_RefusesWithTheProblemAndWritesNothing(StressRequest request, string expected)
    {
        var world = new StressWorld(accounts: 20);

        var start = await world.Start.ExecuteAsync(request, enqueue: true);

        Assert.False(start.Accepted);
        Assert.Contains(start.Problems, p => p.Contains(expected, StringComparison.Ordinal));
        Assert.Equal(0, world.Runs.Writes);
        Assert.Empty(world.Queue.Messages);
    }

    [Fact]
    public async Task ExecuteAsync_EmptyBook_RefusedAndNothingWritten()
    {
        var world = new StressWorld(accounts: 0);

        var start = await world.Start.ExecuteAsync(new StressRequest { Scenario = "BTC=-25%" }, enqueue: true);

        Assert.Contains("the book is empty", Assert.Single(start.Problems), StringComparison.Ordinal);
        Assert.Equal(0, world.Runs.Writes);
        Assert.Empty(world.Queue.Messages);
    }

    [Fact]
    public async Task ExecuteAsync_Valid_StoresAQueuedRecordWithPinnedInputsAndEnqueuesIt()
    {
        var world = new StressWorld(accounts: 20);

        var start = await world.Start.ExecuteAsync(new StressRequest { Scenario = "BTC=-25%,alts=-45%" }, enqueue: true);

        var record = Assert.IsType<StressRunRecord>(start.Record);
        Assert.Empty(start.Problems);
        Assert.Equal(StressRunStatus.Queued, record.Status);
        Assert.Equal("demo-reference", record.SnapshotId);
        Assert.Equal(record.SnapshotId, record.Request.SnapshotId);
        Assert.Equal(record.ParamsVersion, record.Request.ParamsVersion);
        Assert.Equal("BTC", record.Request.CurveAsset);
        Assert.False(record.Candidate);
        Assert.Equal("BTC=-25%,alts=-45%", record.ScenarioName);
        Assert.StartsWith("st20261124T120000000Z-", record.RunId, StringComparison.Ordinal);
        Assert.Equal([record.RunId], world.Queue.Messages);
        Assert.Equal(record, (await world.Runs.GetAsync(record.RunId))! with { ConcurrencyToken = null });
    }

    [Fact]
    public async Task ExecuteAsync_CandidateVersion_IsMarkedCandidate()
    {
        var world = new StressWorld(accounts: 20);
        world.AddStricterCandidate("candidate-1");

        var start = await world.Start.ExecuteAsync(new StressRequest { Scenario = "BTC=-25%", ParamsVersion = "candidate-1" }, enqueue: false);

        Assert.True(start.Record!.Candidate);
        Assert.Equal("candidate-1", start.Record.ParamsVersion);
        Assert.Empty(world.Queue.Messages);
    }

    [Fact]
    public async Task ExecuteAsync_QueueFails_TheRecordSaysWhyAndTheCallerSeesTheFailure()
    {
        var world = new StressWorld(accounts: 5);
        var start = new StartStress(world.Preparation, world.Runs, new FailingQueue(), world.Time);

        var ex = await Assert.ThrowsAsync<IOException>(() => start.ExecuteAsync(new StressRequest { Scenario = "BTC=-5%" }, enqueue: true));

        var record = Assert.Single(world.Runs.Records);
        Assert.Equal(StressRunStatus.Failed, record.Status);
        Assert.Contains("could not be queued on margin-stress: IOException: queue unreachable", record.Error, StringComparison.Ordinal);
        Assert.Equal("queue unreachable", ex.Message);
    }

    [Fact]
    public async Task ExecuteAsync_EnqueueWithoutAQueue_Throws()
    {
        var world = new StressWorld(accounts: 1);
        var start = new StartStress(world.Preparation, world.Runs, queue: null, world.Time);

        await Assert.ThrowsAsync<InvalidOperationException>(() => start.ExecuteAsync(new StressRequest { Scenario = "BTC=-5%" }, enqueue: true));
    }

    private sealed class FailingQueue : IStressQueue
    {
        public Task EnqueueAsync(string runId, CancellationToken cancellationToken = default) => throw new IOException("queue unreachable");
    }
}
