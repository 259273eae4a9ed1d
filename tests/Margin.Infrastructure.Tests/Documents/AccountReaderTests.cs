using System.Text.Json;
using Margin.Infrastructure.Documents;

namespace Margin.Infrastructure.Tests.Documents;

public sealed class AccountReaderTests
{
    [Fact]
    public void Read_ValidAccount_MapsEveryField()
    {
        var entry = Read("""{"id":"a","version":"7","marginMode":"Standard","liquidationInFlight":true,"balances":[{"asset":"BTC","quantity":"-0.5"}],"positions":[{"instrument":"BTC-PERP","quantity":2,"entryPrice":"50000"}]}""");

        Assert.Empty(entry.Problems);
        var account = Assert.IsType<Margin.Engine.Accounts.Account>(entry.Account);
        Assert.Equal("a", account.Id);
        Assert.Equal(7, account.Version);
        Assert.True(entry.LiquidationInFlight);
        Assert.Equal(-0.5m, account.Balances[0].Quantity);
        Assert.Equal(50000m, account.Positions[0].EntryPrice);
    }

    [Fact]
    public void Read_SeveralBadFields_ReportsEveryOneWithItsPath()
    {
        var entry = Read("""{"id":"a","version":-1,"balances":[{"asset":"BT C","quantity":"1"},{"asset":"USD","quantity":"abc"},{"quantity":"1"}],"positions":[{"instrument":"P","quantity":"NaN"}],"colour":"red"}""");

        Assert.Null(entry.Account);
        var fields = entry.Problems.Select(p => p.Field).ToArray();
        Assert.Equal(new[] { "balances[0].asset", "balances[1].quantity", "balances[2].asset", "positions[0].quantity", "colour", "version" }, fields);
    }

    [Fact]
    public void Read_NotAnObject_ReportsTheWholeAccount()
    {
        var entry = Read("42");

        Assert.Null(entry.Id);
        var problem = Assert.Single(entry.Problems);
        Assert.Null(problem.Field);
        Assert.Contains("must be an object", problem.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DuplicateProperty_IsAProblem()
    {
        var entry = Read("""{"id":"a","balances":[{"asset":"USD","quantity":"1","quantity":"2"}]}""");

        Assert.Equal("balances[0].quantity", Assert.Single(entry.Problems).Field);
    }

    [Fact]
    public void Read_TwoBalancesOfOneAsset_ReportsTheEngineField()
    {
        var entry = Read("""{"id":"a","balances":[{"asset":"USD","quantity":"1"},{"asset":"USD","quantity":"2"}]}""");

        Assert.Equal("balances[1].asset", Assert.Single(entry.Problems).Field);
    }

    private static AccountEntry Read(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return AccountReader.Read(0, doc.RootElement);
    }
}
