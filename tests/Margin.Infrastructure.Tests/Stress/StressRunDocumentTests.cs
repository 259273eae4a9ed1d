using System.Text.Json.Nodes;
using Margin.Infrastructure.Stress;
using Margin.Sweep.Stress;

namespace Margin.Infrastructure.Tests.Stress;

public sealed class StressRunDocumentTests
{
    private static readonly StressRunRecord Record = StressSamples.Record("st-doc") with { Status = StressRunStatus.Completed, StartedAt = StressSamples.At.AddSeconds(1), CompletedAt = StressSamples.At.AddSeconds(96), Attempts = 1 };

    [Fact]
    public void Serialize_ThenDeserialize_GivesBackEveryField()
    {
        var result = StressSamples.Result("st-doc");

        var (record, read) = StressRunDocument.Deserialize(StressRunDocument.Serialize(Record, result));

        DeepEqual.Check(Record, record);
        DeepEqual.Check(result, read);
    }

    [Fact]
    public void Serialize_WithoutAResult_HasANullResult()
    {
        var json = JsonNode.Parse(StressRunDocument.Serialize(Record with { Status = StressRunStatus.Queued }, null))!;

        Assert.Null(json["result"]);
        Assert.Equal("Queued", (string?)json["run"]!["status"]);
        var (record, result) = StressRunDocument.Deserialize(json.ToJsonString());
        Assert.Null(result);
        Assert.Equal(StressRunStatus.Queued, record.Status);
    }

    [Fact]
    public void Serialize_WritesTheDocumentedShape()
    {
        var json = JsonNode.Parse(StressRunDocument.Serialize(Record, StressSamples.Result("st-doc")))!;

        Assert.Equal(1, (int)json["schemaVersion"]!);
        var run = json["run"]!;
        Assert.Equal("st-doc", (string?)run["runId"]);
        Assert.Equal("BTC=-25%,ETH=-30.125%,alts=-45%", (string?)run["request"]!["scenario"]);
        Assert.Equal(-52.5m, (decimal)run["request"]!["curveTo"]!);
        Assert.Equal(37, (int)run["request"]!["maxRounds"]!);
        Assert.Equal(1, (int)run["request"]!["v"]!);

        var result = json["result"]!;
        var summary = result["summary"]!;
        Assert.Equal("-0.39", (string?)summary["priceMoves"]!["BTC"]);
        Assert.True((bool)summary["scenario"]!["historical"]!);
        Assert.Equal("BTC=-39%,ETH=-43%,alts=-45%,stables=+1%", (string?)summary["scenario"]!["text"]);
        Assert.Equal("https://example.org/btc?day=2020-03-12&x=1", (string?)summary["scenario"]!["sources"]![0]!["url"]);
        Assert.Equal("RoundLimit", (string?)summary["cascade"]!["stop"]);
        Assert.Equal(3, (int)summary["cascade"]!["rounds"]!);
        Assert.Equal(24, (int)summary["cascade"]!["liquidations"]!);
        Assert.Equal("6000003", (string?)summary["cascade"]!["assets"]![0]!["soldUsd"]);
        Assert.Equal(123_456_789_012L, (long)summary["bookBytes"]!);
        Assert.Equal(61_728_394.506, (double)summary["bytesPerAccount"]!, 3);
        Assert.Equal("00:00:01.2345678", (string?)summary["timings"]!["read"]);

        var initial = result["initial"]!;
        Assert.Equal(["Healthy", "Warning", "ReduceOnly", "MarginCall", "Liquidatable", "Bankrupt"], initial["byStatus"]!.AsObject().Select(kv => kv.Key));
        Assert.Equal(0, (int)initial["byStatus"]!["Warning"]!);
        Assert.Equal(6, (int)initial["liquidatableOrWorse"]!);
        Assert.Equal("Infinity", (string?)initial["worst"]![0]!["marginRatio"]);
        Assert.Equal("79228162514264337593543950335", (string?)initial["worst"]![1]!["equity"]);
        Assert.Equal("0.1234567890123456789012345678", (string?)initial["worst"]![0]!["maintenanceRequirement"]);
        Assert.Equal("-0.0000000000000000000000000001", (string?)initial["negativeEquity"]);
        var buckets = initial["ratioHistogram"]!.AsArray();
        Assert.Equal(14, buckets.Count);
        Assert.Equal("0.9-1", (string?)buckets[9]!["label"]);
        Assert.Equal("inf", (string?)buckets[13]!["label"]);
        Assert.Equal("Infinity", (string?)buckets[13]!["from"]);
        Assert.Empty(result["rounds"]![1]!["evaluation"]!["ratioHistogram"]!.AsArray());
        Assert.Equal("2000001", (string?)result["rounds"]![1]!["soldUsd"]);
        Assert.Equal(11, result["curve"]!.AsArray().Count);
        Assert.Equal("-0.5", (string?)result["curve"]![10]!["move"]);
        Assert.Equal(110, (int)result["curve"]![10]!["liquidatableOrWorse"]!);
    }

    [Fact]
    public void Serialize_AResultOfAnotherRun_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => StressRunDocument.Serialize(Record, StressSamples.Result("st-other")));
    }

    public static TheoryData<string, string, string> Malformed => new()
    {
        { "schemaVersion", "2", "schemaVersion is 2; this version reads 1" },
        { "run.status", "\"Done\"", "run.status: 'Done' is not one of Queued, Running, Completed, Failed" },
        { "run.status", "\"2\"", "run.status: '2' is not one of" },
        { "result.summary.cascade.stop", "\"Never\"", "result.summary.cascade.stop: 'Never' is not one of NoNewLiquidation, RoundLimit" },
        { "result.summary.cascade.rounds", "4", "result.summary.cascade.rounds counts 4 rounds but there are 3" },
        { "result.rounds.1.insuranceFundLoss", "\"1e5\"", "result.rounds[1].insuranceFundLoss is '1e5', not an invariant decimal" },
        { "result.initial.byStatus.Healthy", "-1", "result.initial.byStatus.Healthy is -1" },
        { "result.initial.worst.0.status", "\"Fine\"", "result.initial.worst[0].status: 'Fine' is not one of" },
        { "result.final.ratioHistogram.3.label", "\"0.3-0.5\"", "result.final.ratioHistogram[3] is bucket '0.3-0.5'; expected '0.3-0.4'" },
        { "result.curve.2.price", "\"12,5\"", "result.curve[2].price is '12,5', not an invariant decimal" },
        { "result.summary.scenario.shocks.0.move", "\"-1\"", "result.summary.scenario.shocks: BTC: a move of -100 % leaves no price" },
        { "result.summary.runId", "\"st-else\"", "result.summary.runId is st-else, not the run's id st-doc" },
        { "result.summary.snapshotId", "null", "snapshotId" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Deserialize_AMalformedDocument_SaysWhere(string path, string value, string expected)
    {
        var json = JsonNode.Parse(StressRunDocument.Serialize(Record, StressSamples.Result("st-doc")))!;
        var parts = path.Split('.');
        var parent = parts[..^1].Aggregate(json, (node, part) => int.TryParse(part, out var i) ? node[i]! : node[part]!);
        var last = parts[^1];
        if (int.TryParse(last, out var index))
        {
            parent[index] = JsonNode.Parse(value);
        }
        else
        {
            parent[last] = JsonNode.Parse(value);
        }

        var ex = Assert.Throws<FormatException>(() => StressRunDocument.Deserialize(json.ToJsonString()));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
