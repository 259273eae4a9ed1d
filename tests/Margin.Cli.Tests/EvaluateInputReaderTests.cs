using System.Text.Json.Nodes;
using Margin.Infrastructure.Documents;

namespace Margin.Cli.Tests;

public sealed class EvaluateInputReaderTests
{
    [Fact]
    public void Read_Minimal_MapsSnapshotParametersAndAccounts()
    {
        var (input, problems) = EvaluateInputReader.Read(File.ReadAllText(Examples.PathOf(Examples.Minimal)));

        Assert.Empty(problems);
        Assert.NotNull(input);
        Assert.Equal("mini-1", input.Snapshot.Id);
        Assert.Equal("mini-v1", input.Parameters.Version);
        Assert.NotNull(input.Parameters.Assets["USD"].Borrow);
        Assert.Null(input.Parameters.Assets["BTC"].Borrow);
        Assert.Equal(2, input.Accounts.Count);
    }

    [Fact]
    public void Read_BorrowRatesOnANonBorrowableAsset_IsAParameterProblem()
    {
        var problems = ReadMutated(doc =>
        {
            doc["parameters"]!["assets"]!["USD"]!["borrowable"] = false;
        });

        Assert.Contains(problems, p => p.Field == "parameters.assets.USD.borrow" && p.Problem.Contains("\"borrowable\": false", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_BorrowWithoutBorrowableFlag_MakesTheAssetBorrowable()
    {
        var json = JsonNode.Parse(File.ReadAllText(Examples.PathOf(Examples.Minimal)))!;
        json["parameters"]!["assets"]!["USD"]!.AsObject().Remove("borrowable");

        var (input, problems) = EvaluateInputReader.Read(json.ToJsonString());

        Assert.Empty(problems);
        Assert.Equal(new Margin.Engine.Parameters.BorrowRequirement(0.1m, 0.05m), input!.Parameters.Assets["USD"].Borrow);
    }

    [Fact]
    public void Read_PropertyOfAnotherInstrumentType_IsRejected()
    {
        var problems = ReadMutated(doc => doc["parameters"]!["instruments"]!["BTC-PERP"]!["strike"] = "60000");

        Assert.Contains(problems, p => p.Field == "parameters.instruments.BTC-PERP.strike" && p.Problem.Contains("unknown property for a perpetual", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_UnknownPropertyInOnePriceEntry_IsADefectOfThatEntryOnly()
    {
        var json = JsonNode.Parse(File.ReadAllText(Examples.PathOf(Examples.Minimal)))!;
        json["snapshot"]!["assets"]!["BTC"]!["prize"] = "1";

        var (input, problems) = EvaluateInputReader.Read(json.ToJsonString());

        Assert.Empty(problems);
        var defect = input!.Snapshot.Defects["BTC"];
        Assert.Equal("snapshot.assets.BTC.prize", defect.Field);
        Assert.True(input.Snapshot.Assets.ContainsKey("USD"));
    }

    [Fact]
    public void Read_OptionWithoutShortOptionRule_NamesIt()
    {
        var problems = ReadMutated(doc => doc["parameters"]!["instruments"]!["BTC-C"] = JsonNode.Parse(
            """{"type":"option","underlying":"BTC","right":"call","strike":"60000","expiry":"2026-03-27T08:00:00Z"}"""));

        Assert.Contains(problems, p => p.Field == "parameters.instruments.BTC-C.shortOption" && p.Problem == "is required");
    }

    [Fact]
    public void Read_EveryProblemOfTheDocument_IsReportedAtOnce()
    {
        var problems = ReadMutated(doc =>
        {
            doc["snapshot"]!.AsObject().Remove("id");
            doc["parameters"]!["assets"]!["BTC"]!["depthUsd"] = "deep";
            doc["parameters"]!["moneyDecimals"] = 40;
        });

        Assert.Contains(problems, p => p.Field == "snapshot.id");
        Assert.Contains(problems, p => p.Field == "parameters.assets.BTC.depthUsd");
        Assert.Contains(problems, p => p.Field == "parameters.moneyDecimals");
    }

    private static IReadOnlyList<InputProblem> ReadMutated(Action<JsonNode> mutate)
    {
        var json = JsonNode.Parse(File.ReadAllText(Examples.PathOf(Examples.Minimal)))!;
        mutate(json);
        var (input, problems) = EvaluateInputReader.Read(json.ToJsonString());
        Assert.Null(input);
        return problems;
    }
}
