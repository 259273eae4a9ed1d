using Margin.Engine.Accounts;
using Margin.Engine.Domain;

namespace Margin.Engine.Tests.Accounts;

public class AccountTests
{
    private static readonly Asset s_btc = Asset.Of("BTC");
    private static readonly Asset s_usdc = Asset.Of("USDC");

    [Fact]
    public void Create_ValidFields_KeepsThemInOrder()
    {
        var account = Account.Create("acct-1", 3, MarginMode.Standard, [new Balance(s_usdc, 10m), new Balance(s_btc, -0.5m)], [new Position("BTC-PERP", 1m, 50_000m)]);

        Assert.Equal("acct-1", account.Id);
        Assert.Equal(3, account.Version);
        Assert.Equal(MarginMode.Standard, account.Mode);
        Assert.Equal([new Balance(s_usdc, 10m), new Balance(s_btc, -0.5m)], account.Balances.ToArray());
        Assert.Equal(new Position("BTC-PERP", 1m, 50_000m), Assert.Single(account.Positions));
    }

    private static readonly Dictionary<string, Func<Account>> s_invalid = new(StringComparer.Ordinal)
    {
        ["empty id"] = () => Account.Create(" ", 0, MarginMode.Standard, [], []),
        ["negative version"] = () => Account.Create("a", -1, MarginMode.Standard, [], []),
        ["unknown mode"] = () => Account.Create("a", 0, (MarginMode)7, [], []),
        ["balance without asset"] = () => Account.Create("a", 0, MarginMode.Standard, [new Balance(s_usdc, 1m), default], []),
        ["asset twice"] = () => Account.Create("a", 0, MarginMode.Standard, [new Balance(s_usdc, 1m), new Balance(s_btc, 1m), new Balance(s_usdc, 2m)], []),
        ["position without instrument"] = () => Account.Create("a", 0, MarginMode.Standard, [], [new Position(" ", 1m, 1m)]),
        ["negative entry"] = () => Account.Create("a", 0, MarginMode.Standard, [], [new Position("BTC-PERP", 1m, -1m)]),
        ["instrument twice"] = () => Account.Create("a", 0, MarginMode.Standard, [], [new Position("BTC-PERP", 1m, 1m), new Position("BTC-PERP", -1m, 1m)]),
    };

    public static TheoryData<string, string> InvalidCases => new()
    {
        { "empty id", "id" },
        { "negative version", "version" },
        { "unknown mode", "marginMode" },
        { "balance without asset", "balances[1].asset" },
        { "asset twice", "balances[2].asset" },
        { "position without instrument", "positions[0].instrument" },
        { "negative entry", "positions[0].entryPrice" },
        { "instrument twice", "positions[1].instrument" },
    };

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Create_InvalidField_ThrowsNamingTheField(string name, string field)
    {
        var ex = Assert.Throws<InvalidAccountException>(s_invalid[name]);

        Assert.Equal(field, ex.Field);
        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(ex.Problem));
    }

    [Fact]
    public void Create_PortfolioModeAndZeroEntry_AreAcceptedHere()
    {
        // Whether the mode is supported and entries are positive is decided at evaluation (options ignore the entry).
        var account = Account.Create("a", 0, MarginMode.Portfolio, [], [new Position("BTC-C-60000", -1m, 0m)]);

        Assert.Equal(MarginMode.Portfolio, account.Mode);
    }

    [Fact]
    public void InvalidAccountException_Constructors_KeepAccountFieldAndProblem()
    {
        var ex = new InvalidAccountException("acct-9", "balances[0].asset", "unknown asset X");

        Assert.Equal("acct-9", ex.AccountId);
        Assert.Equal("balances[0].asset", ex.Field);
        Assert.Equal("unknown asset X", ex.Problem);
        Assert.Equal("account 'acct-9', field 'balances[0].asset': unknown asset X", ex.Message);
        Assert.IsAssignableFrom<ArgumentException>(ex);
    }
}
