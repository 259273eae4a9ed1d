using Azure.Data.Tables;
using Margin.Engine.Stress;
using Margin.Infrastructure.Stress;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Sweep.Stress;

namespace Margin.Infrastructure.Tests.Stress;

[Collection(AzuriteGroup.Name)]
public sealed class TableStressRunStoreTests(AzuriteInstance azurite)
{
    private TableClient _table = null!;

    private async Task<TableStressRunStore> NewStoreAsync()
    {
        _table = new TableServiceClient(azurite.ConnectionString).GetTableClient($"stressruns{Guid.NewGuid():N}"[..30]);
        var store = new TableStressRunStore(_table);
        await store.EnsureCreatedAsync(CancellationToken.None);
        return store;
    }

    private async Task<List<TableEntity>> RowsAsync(string partition)
    {
        var rows = new List<TableEntity>();
        await foreach (var e in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}")))
        {
            rows.Add(e);
        }

        return rows;
    }

    [Fact]
    public async Task Create_Get_Update_RoundTripEveryFieldOfTheRecord()
    {
        var store = await NewStoreAsync();
        var record = StressSamples.Record("st20261124T235900123Z-0a0b0c0d");

        await store.CreateAsync(record, CancellationToken.None);
        DeepEqual.Check(record, (await store.GetAsync(record.RunId, CancellationToken.None))! with { ConcurrencyToken = null });

        // A long error (more than one property holds) and every optional time set.
        var failed = record with
        {
            Status = StressRunStatus.Failed,
            StartedAt = StressSamples.At.AddSeconds(1).AddTicks(3),
            CompletedAt = StressSamples.At.AddMinutes(2),
            Attempts = 5,
            Error = string.Concat(Enumerable.Repeat("book: none of its accounts can be read; ", 2_000)),
        };
        await store.UpdateAsync(failed, CancellationToken.None);

        var stored = await store.GetAsync(record.RunId, CancellationToken.None);
        DeepEqual.Check(failed, stored! with { ConcurrencyToken = null });
        Assert.Equal(-52.5m, stored!.Request.CurveTo);
        Assert.Equal(7.5m, stored.Request.CurveStep);
    }

    [Fact]
    public async Task Update_WithAStaleToken_IsAConflict_AndKeepsTheNewerRecord()
    {
        var store = await NewStoreAsync();
        await store.CreateAsync(StressSamples.Record("st-cas"), CancellationToken.None);
        var read = (await store.GetAsync("st-cas", CancellationToken.None))!;
        Assert.NotNull(read.ConcurrencyToken);
        var completed = await store.UpdateAsync(read with { Status = StressRunStatus.Completed }, CancellationToken.None);

        await Assert.ThrowsAsync<Margin.Sweep.Ports.StoreConflictException>(() => store.UpdateAsync(read with { Status = StressRunStatus.Failed, Error = "late" }, CancellationToken.None));

        var stored = (await store.GetAsync("st-cas", CancellationToken.None))!;
        Assert.Equal(StressRunStatus.Completed, stored.Status);
        Assert.Equal(completed.ConcurrencyToken, stored.ConcurrencyToken);
        Assert.NotEqual(read.ConcurrencyToken, stored.ConcurrencyToken);
    }

    [Fact]
    public async Task Create_Twice_ThrowsInvalidOperation_AndKeepsTheFirst()
    {
        var store = await NewStoreAsync();
        var record = StressSamples.Record("st-twice");
        await store.CreateAsync(record, CancellationToken.None);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => store.CreateAsync(record with { ScenarioName = "other", RequestedAt = record.RequestedAt.AddHours(1) }, CancellationToken.None));

        Assert.Contains("st-twice exists already", ex.Message, StringComparison.Ordinal);
        DeepEqual.Check(record, (await store.GetAsync("st-twice", CancellationToken.None))! with { ConcurrencyToken = null });
        Assert.Single(await store.ListAsync(10, CancellationToken.None));
        Assert.Single(await RowsAsync(TableStressRunStore.IndexPartition));
    }

    [Fact]
    public async Task MissingRun_GetsNull_AndUpdateOrSaveThrows()
    {
        var store = await NewStoreAsync();

        Assert.Null(await store.GetAsync("st-nope", CancellationToken.None));
        Assert.Null(await store.GetResultAsync("st-nope", CancellationToken.None));
        Assert.Null(await store.GetAsync("a/b", CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.UpdateAsync(StressSamples.Record("st-nope"), CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.SaveResultAsync(StressSamples.Result("st-nope"), CancellationToken.None));
        Assert.Empty(await RowsAsync("st-nope"));
    }

    [Theory]
    [InlineData("index")]
    [InlineData("a/b")]
    [InlineData("a#b")]
    public async Task Create_AnIdATableKeyCannotHold_IsRefusedBeforeAnyWrite(string id)
    {
        var store = await NewStoreAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => store.CreateAsync(StressSamples.Record(id), CancellationToken.None));

        Assert.Empty(await RowsAsync(TableStressRunStore.IndexPartition));
    }

    [Fact]
    public async Task SaveResult_ThenGet_RoundTripsEveryField_With28DigitDecimalsAndAnInfiniteRatio()
    {
        var store = await NewStoreAsync();
        await store.CreateAsync(StressSamples.Record("st-full"), CancellationToken.None);
        var result = StressSamples.Result("st-full");
        Assert.Null(await store.GetResultAsync("st-full", CancellationToken.None));

        await store.SaveResultAsync(result, CancellationToken.None);
        var read = await store.GetResultAsync("st-full", CancellationToken.None);

        DeepEqual.Check(result, read);
        Assert.Equal(StressSamples.Max, read!.Cascade.Initial.Worst[1].Equity);
        Assert.Equal(StressSamples.Tiny, read.Cascade.Final.NegativeEquity);
        Assert.Equal(0.1234567890123456789012345678m, read.Cascade.Initial.Worst[0].MaintenanceRequirement);
        Assert.True(double.IsPositiveInfinity(read.Cascade.Initial.Worst[0].MarginRatio));
        Assert.Equal(RatioHistogram.BucketCount, read.Cascade.Final.Ratios.Length);
        Assert.Equal(11, read.Curve.Length);

        // Stored as the documented rows: the record, summary, initial, final, one per round and one per curve point;
        // money as exact strings inside the JSON, the infinite ratio as "Infinity".
        var keys = (await RowsAsync("st-full")).Select(r => r.RowKey).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["curve-00", "curve-01", "curve-02", "curve-03", "curve-04", "curve-05", "curve-06", "curve-07", "curve-08", "curve-09", "curve-10", "final", "initial", "round-001", "round-002", "round-003", "run", "summary"], keys);
        var initial = (await _table.GetEntityAsync<TableEntity>("st-full", "initial")).Value.GetString("Json");
        Assert.Contains("\"equity\":\"79228162514264337593543950335\"", initial, StringComparison.Ordinal);
        Assert.Contains("\"marginRatio\":\"Infinity\"", initial, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveResult_NoCurvePoints_RoundTrips()
    {
        var store = await NewStoreAsync();
        await store.CreateAsync(StressSamples.Record("st-nocurve"), CancellationToken.None);
        var result = StressSamples.Result("st-nocurve", rounds: 1, curvePoints: 0, stop: CascadeStop.NoNewLiquidation);

        await store.SaveResultAsync(result, CancellationToken.None);
        var read = await store.GetResultAsync("st-nocurve", CancellationToken.None);

        DeepEqual.Check(result, read);
        Assert.Empty(read!.Curve);
        Assert.Null(read.CurveAsset);
        Assert.DoesNotContain(await RowsAsync("st-nocurve"), r => r.RowKey.StartsWith("curve-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SaveResult_130RoundsAnd101CurvePoints_SplitsIntoTransactionsOfAtMost100_AndReadsBack()
    {
        var store = await NewStoreAsync();
        await store.CreateAsync(StressSamples.Record("st-long"), CancellationToken.None);
        var result = StressSamples.Result("st-long", rounds: 130, curvePoints: 101);

        await store.SaveResultAsync(result, CancellationToken.None);
        var read = await store.GetResultAsync("st-long", CancellationToken.None);

        DeepEqual.Check(result, read);
        Assert.Equal(130, read!.Cascade.Rounds.Length);
        Assert.Equal(130, read.Cascade.Rounds[^1].Round);
        Assert.Equal(-5m, read.Curve[100].Move);
        Assert.Equal(1 + 3 + 130 + 101, (await RowsAsync("st-long")).Count);
    }

    [Fact]
    public async Task SaveResult_Again_ReplacesTheEarlierAttempt_AndDeletesItsExtraRows()
    {
        var store = await NewStoreAsync();
        await store.CreateAsync(StressSamples.Record("st-again"), CancellationToken.None);
        await store.SaveResultAsync(StressSamples.Result("st-again", rounds: 5, curvePoints: 11), CancellationToken.None);
        var second = StressSamples.Result("st-again", rounds: 2, curvePoints: 3, stop: CascadeStop.NoNewLiquidation) with { Accounts = 1_999 };

        await store.SaveResultAsync(second, CancellationToken.None);

        DeepEqual.Check(second, await store.GetResultAsync("st-again", CancellationToken.None));
        var keys = (await RowsAsync("st-again")).Select(r => r.RowKey).ToList();
        Assert.Equal(2, keys.Count(k => k.StartsWith("round-", StringComparison.Ordinal)));
        Assert.Equal(3, keys.Count(k => k.StartsWith("curve-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task GetResult_ARowOfAnotherAttempt_IsRefusedNotMixedIn()
    {
        var store = await NewStoreAsync();
        await store.CreateAsync(StressSamples.Record("st-mixed"), CancellationToken.None);
        await store.SaveResultAsync(StressSamples.Result("st-mixed"), CancellationToken.None);
        var row = (await _table.GetEntityAsync<TableEntity>("st-mixed", "round-002")).Value;
        row["ResultId"] = "another-attempt";
        await _table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);

        var ex = await Assert.ThrowsAsync<FormatException>(() => store.GetResultAsync("st-mixed", CancellationToken.None));

        Assert.Contains("row round-002 belongs to another attempt", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetResult_AMalformedRow_NamesTheRowAndTheField()
    {
        var store = await NewStoreAsync();
        await store.CreateAsync(StressSamples.Record("st-bad"), CancellationToken.None);
        await store.SaveResultAsync(StressSamples.Result("st-bad"), CancellationToken.None);
        var row = (await _table.GetEntityAsync<TableEntity>("st-bad", "round-003")).Value;
        row["Json"] = row.GetString("Json")!.Replace("\"liquidationCost\":\"36.75\"", "\"liquidationCost\":\"36,75\"", StringComparison.Ordinal);
        await _table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);

        var ex = await Assert.ThrowsAsync<FormatException>(() => store.GetResultAsync("st-bad", CancellationToken.None));

        Assert.Equal("stress run st-bad, row round-003: liquidationCost is '36,75', not an invariant decimal", ex.Message);
    }

    [Fact]
    public async Task List_NewestFirst_AtMostMax_SkippingAnIndexRowWithoutItsRun()
    {
        var store = await NewStoreAsync();
        for (var i = 0; i < 5; i++)
        {
            await store.CreateAsync(StressSamples.Record($"st-{i}", StressSamples.At.AddMinutes(i)), CancellationToken.None);
        }

        // A crash between the index row and the record leaves an index row alone: it names no run.
        await _table.AddEntityAsync(new TableEntity(TableStressRunStore.IndexPartition, "0000000000000000000-st-ghost") { ["RunId"] = "st-ghost" });
        await store.UpdateAsync(StressSamples.Record("st-1", StressSamples.At.AddMinutes(1), StressRunStatus.Completed), CancellationToken.None);

        var three = await store.ListAsync(3, CancellationToken.None);
        var all = await store.ListAsync(100, CancellationToken.None);

        Assert.Equal(["st-4", "st-3", "st-2"], three.Select(r => r.RunId));
        Assert.Equal(["st-4", "st-3", "st-2", "st-1", "st-0"], all.Select(r => r.RunId));
        Assert.Equal(StressRunStatus.Completed, all[3].Status);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ListAsync(0, CancellationToken.None));
    }
}
