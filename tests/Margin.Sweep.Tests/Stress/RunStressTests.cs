using System.Text.Json;
using Margin.Engine.Results;
using Margin.Sweep.Stress;

namespace Margin.Sweep.Tests.Stress;

public sealed class RunStressTests
{
    private static readonly JsonSerializerOptions Named = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    [Fact]
    public async Task ExecuteAsync_Accepted_RunsTheCascadeAndCurveAndStoresOnlyTheRun()
    {
        var world = new StressWorld();
        var run = (await world.Start.ExecuteAsync(new StressRequest { Scenario = "BTC=-30%,ETH=-35%,alts=-50%" }, enqueue: true)).Record!;

        var outcome = await world.Run.ExecuteAsync(run.RunId);

        Assert.Equal(StressRunOutcomeKind.Completed, outcome.Kind);
        var result = Assert.IsType<StressRunResult>(outcome.Result);
        Assert.Equal(1_500, result.Accounts);
        Assert.Equal(-0.30m, result.PriceMoves["BTC"]);
        Assert.True(result.Cascade.Rounds[0].NewLiquidations > 0, "a 30-50 % crash liquidates part of the demo book");
        Assert.Equal(11, result.Curve.Length);
        Assert.Equal("BTC", result.CurveAsset);
        Assert.InRange(result.BytesPerAccount, 50, 1_000);
        Assert.Equal(StressRunStatus.Completed, (await world.Runs.GetAsync(run.RunId))!.Status);
        Assert.Same(result, await world.Runs.GetResultAsync(run.RunId));

        // No live state: no result, order, receipt, history or sweep was written.
        for (var partition = 0; partition < world.Stores.Accounts.PartitionCount; partition++)
        {
            var state = await world.Stores.Margin.ReadPartitionAsync(partition, "any");
            Assert.Empty(state.Results);
            Assert.Empty(state.OpenOrders);
            Assert.Null(state.Watermark);
        }

        Assert.Empty(await world.Stores.History.ReadAsync("acct-000001", 100));
        Assert.Null(await world.Stores.Sweeps.GetLatestAsync());
    }

    [Fact]
    public async Task ExecuteAsync_CurvePointAtTheScenarioMove_MatchesTheFirstRound()
    {
        var world = new StressWorld();
        var run = (await world.Start.ExecuteAsync(new StressRequest { Scenario = "BTC=-25%", CurveFrom = 0m, CurveTo = -50m, CurveStep = 5m }, enqueue: false)).Record!;

        var result = (await world.Run.ExecuteAsync(run.RunId)).Result!;

        var first = result.Cascade.Initial;
        var point = result.Curve.Single(p => p.Move == -0.25m);
        Assert.Equal(first.ByStatus.GetValueOrDefault(MarginStatus.Liquidatable), point.Liquidatable);
        Assert.Equal(first.ByStatus.GetValueOrDefault(MarginStatus.Bankrupt), point.Bankrupt);
        Assert.Equal(first.Shortfall, point.Shortfall);

        // The curve rises as BTC falls.
        Assert.True(result.Curve.Zip(result.Curve.Skip(1)).All(p => p.Second.LiquidatableOrWorse >= p.First.LiquidatableOrWorse));
        Assert.True(result.Curve[^1].LiquidatableOrWorse > result.Curve[0].LiquidatableOrWorse);
    }

    [Fact]
    public async Task ExecuteAsync_SameRequestTwice_SameResult()
    {
        var world = new StressWorld();
        var a = (await world.Start.ExecuteAsync(new StressRequest { Historical = "2099-01-01-test-crash" }, enqueue: false)).Record!;
        var b = (await world.Start.ExecuteAsync(new StressRequest { Historical = "2099-01-01-test-crash" }, enqueue: false)).Record!;

        var first = (await world.Run.ExecuteAsync(a.RunId)).Result!;
        var second = (await world.Run.ExecuteAsync(b.RunId)).Result!;

        Assert.Equal(Comparable(first), Comparable(second));
        Assert.Equal(1.0m, first.VolatilityMoves["BTC"]);
    }

    [Fact]
    public async Task ExecuteAsync_StricterCandidate_LiquidatesMoreThanTheActiveVersion()
    {
        var world = new StressWorld();
        world.AddStricterCandidate("candidate-1");
        var active = (await world.Start.ExecuteAsync(new StressRequest { Scenario = "BTC=-20%", Curve = false }, enqueue: false)).Record!;
        var candidate = (await world.Start.ExecuteAsync(new StressRequest { Scenario = "BTC=-20%", Curve = false, ParamsVersion = "candidate-1" }, enqueue: false)).Record!;

        var onActive = (await world.Run.ExecuteAsync(active.RunId)).Result!;
        var onCandidate = (await world.Run.ExecuteAsync(candidate.RunId)).Result!;

        Assert.True(onCandidate.Candidate);
        Assert.Empty(onCandidate.Curve);
        Assert.True(onCandidate.Cascade.Initial.LiquidatableOrWorse > onActive.Cascade.Initial.LiquidatableOrWorse,
            $"candidate {onCandidate.Cascade.Initial.LiquidatableOrWorse} vs active {onActive.Cascade.Initial.LiquidatableOrWorse}");
    }

    [Fact]
    public async Task ExecuteAsync_Completed_IsNotRunAgain()
    {
        var world = new StressWorld(accounts: 50);
        var run = (await world.Start.ExecuteAsync(new StressRequest { Scenario = "BTC=-5%" }, enqueue: true)).Record!;
        await world.Run.ExecuteAsync(run.RunId);
        var writes = world.Runs.Writes;

        var again = await world.Run.ExecuteAsync(run.RunId);

        Assert.Equal(StressRunOutcomeKind.AlreadyDone, again.Kind);
        Assert.NotNull(again.Result);
        Assert.Equal(writes, world.Runs.Writes);
    }

    [Fact]
    public async Task ExecuteAsync_Unknown_SaysSo()
    {
        var outcome = await new StressWorld(accounts: 1).Run.ExecuteAsync("st-nope");

        Assert.Equal(StressRunOutcomeKind.Unknown, outcome.Kind);
        Assert.Contains("st-nope", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_BookEmptiedAfterAcceptance_FailsWithTheReason()
    {
        var world = new StressWorld(accounts: 1);
        var run = (await world.Start.ExecuteAsync(new StressRequest { Scenario = "BTC=-5%" }, enqueue: true)).Record!;
        var emptied = new RunStress(new InMemoryAccountStoreOfNothing(8), world.Preparation, world.Runs, new(), new(), world.Time);

        var outcome = await emptied.ExecuteAsync(run.RunId);

        Assert.Equal(StressRunOutcomeKind.Failed, outcome.Kind);
        Assert.Contains("the book is empty", outcome.Error, StringComparison.Ordinal);
        Assert.Equal(StressRunStatus.Failed, (await world.Runs.GetAsync(run.RunId))!.Status);
    }

    [Fact]
    public async Task FailAsync_ACompletionLandsMeanwhile_TheCompletionStands()
    {
        var world = new StressWorld(accounts: 10);
        var run = (await world.Start.ExecuteAsync(new StressRequest { Scenario = "BTC=-5%" }, enqueue: true)).Record!;
        var racing = new RacingStressRunStore(world.Runs, r => r with { Status = StressRunStatus.Completed, CompletedAt = world.Time.GetUtcNow() });
        var runner = new RunStress(world.Stores.Accounts, world.Preparation, racing, new(), new(), world.Time);

        var kept = await runner.FailAsync(run.RunId, "last attempt failed");

        Assert.Equal(StressRunStatus.Completed, kept!.Status);
        Assert.Null(kept.Error);
        Assert.Equal(StressRunStatus.Completed, (await world.Runs.GetAsync(run.RunId))!.Status);
    }

    [Fact]
    public async Task ExecuteAsync_AnotherAttemptStartsMeanwhile_ThisDeliveryFailsAndLeavesTheRunToIt()
    {
        var world = new StressWorld(accounts: 10);
        var run = (await world.Start.ExecuteAsync(new StressRequest { Scenario = "BTC=-5%" }, enqueue: true)).Record!;
        var racing = new RacingStressRunStore(world.Runs, r => r with { Status = StressRunStatus.Running, Attempts = r.Attempts + 1 });
        var runner = new RunStress(world.Stores.Accounts, world.Preparation, racing, new(), new(), world.Time);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => runner.ExecuteAsync(run.RunId));

        Assert.Contains("changed by another attempt", ex.Message, StringComparison.Ordinal);
        var stored = (await world.Runs.GetAsync(run.RunId))!;
        Assert.Equal(StressRunStatus.Running, stored.Status);
        Assert.Equal(1, stored.Attempts);
        Assert.Null(await world.Runs.GetResultAsync(run.RunId));
    }

    [Fact]
    public async Task ExecuteAsync_AnotherAttemptFinishesMeanwhile_AlreadyDone()
    {
        var world = new StressWorld(accounts: 10);
        var run = (await world.Start.ExecuteAsync(new StressRequest { Scenario = "BTC=-5%" }, enqueue: true)).Record!;
        var racing = new RacingStressRunStore(world.Runs, r => r with { Status = StressRunStatus.Failed, Error = "poisoned" });
        var runner = new RunStress(world.Stores.Accounts, world.Preparation, racing, new(), new(), world.Time);

        var outcome = await runner.ExecuteAsync(run.RunId);

        Assert.Equal(StressRunOutcomeKind.AlreadyDone, outcome.Kind);
        Assert.Equal("poisoned", outcome.Error);
    }

    [Fact]
    public async Task FailAsync_Running_MarksFailed_Completed_Untouched()
    {
        var world = new StressWorld(accounts: 10);
        var queued = (await world.Start.ExecuteAsync(new StressRequest { Scenario = "BTC=-5%" }, enqueue: true)).Record!;
        var done = (await world.Start.ExecuteAsync(new StressRequest { Scenario = "BTC=-5%" }, enqueue: true)).Record!;
        await world.Run.ExecuteAsync(done.RunId);

        var failed = await world.Run.FailAsync(queued.RunId, "poisoned after 5 attempts: storage timeout");
        var kept = await world.Run.FailAsync(done.RunId, "late");

        Assert.Equal(StressRunStatus.Failed, failed!.Status);
        Assert.Equal("poisoned after 5 attempts: storage timeout", failed.Error);
        Assert.Equal(StressRunStatus.Completed, kept!.Status);
    }

    private static string Comparable(StressRunResult r) => JsonSerializer.Serialize(new
    {
        r.PriceMoves,
        Rounds = r.Cascade.Rounds.Select(x => new { x.NewLiquidations, x.InsuranceFundLoss, x.LiquidationCost, x.Assets, x.Evaluation.ByStatus, x.Evaluation.Shortfall }),
        r.Cascade.FinalPrices,
        Worst = r.Cascade.Final.Worst,
        r.Curve,
    }, Named);

    private sealed class InMemoryAccountStoreOfNothing(int partitions) : Ports.IAccountStore
    {
        public int PartitionCount => partitions;

        public int PartitionOf(string accountId) => 0;

        public Task UpsertAsync(IReadOnlyCollection<Engine.Accounts.Account> accounts, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<Engine.Accounts.Account?> GetAsync(string accountId, CancellationToken cancellationToken = default) => Task.FromResult<Engine.Accounts.Account?>(null);

        public async IAsyncEnumerable<Ports.StoredAccount> ReadPartitionAsync(int partition, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask;
            yield break;
        }
    }
}
