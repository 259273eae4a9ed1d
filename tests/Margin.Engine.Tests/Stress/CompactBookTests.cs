using Margin.Engine.Accounts;
using Margin.Engine.Stress;
using Margin.Engine.Tests.Support;

namespace Margin.Engine.Tests.Stress;

public sealed class CompactBookTests
{
    [Fact]
    public void Account_RebuildsEveryAccountAsAdded()
    {
        Account[] accounts =
        [
            Account.Create("a", 3, MarginMode.Standard, [TestBook.Holding(TestBook.Btc, 1.123456789012345678m), TestBook.Holding(TestBook.Usdc, -40_000m)], [new Position("BTC-PERP", -0.5m, 50_123.45m)]),
            Account.Create("b", 0, MarginMode.Portfolio, [], []),
            Account.Create("c", 9, MarginMode.Standard, [TestBook.Holding(TestBook.Eth, 10m)], [new Position("BTC-PERP", 2m, 1m), new Position("BTC-C-60000", -1m, 900m)]),
        ];
        var builder = new CompactBook.Builder();
        foreach (var account in accounts)
        {
            builder.Add(account);
        }

        var book = builder.AddUnreadable("bad", "balances[0].asset: the asset is missing").Build();

        Assert.Equal(3, book.Count);
        Assert.Equal(3, book.BalanceCount);
        Assert.Equal(3, book.PositionCount);
        for (var i = 0; i < accounts.Length; i++)
        {
            var rebuilt = book.Account(i);
            Assert.Equal(accounts[i].Id, book.IdAt(i));
            Assert.Equal(accounts[i].Id, rebuilt.Id);
            Assert.Equal(accounts[i].Version, rebuilt.Version);
            Assert.Equal(accounts[i].Mode, rebuilt.Mode);
            Assert.True(accounts[i].Balances.SequenceEqual(rebuilt.Balances), $"balances of {accounts[i].Id}");
            Assert.True(accounts[i].Positions.SequenceEqual(rebuilt.Positions), $"positions of {accounts[i].Id}");
        }

        Assert.Equal(new AccountProblem("bad", "balances[0].asset: the asset is missing"), Assert.Single(book.Unreadable));
    }

    [Fact]
    public void EstimatedBytes_GrowsWithTheBookAndStaysCompact()
    {
        var builder = new CompactBook.Builder();
        for (var i = 0; i < 1_000; i++)
        {
            builder.Add(Account.Create($"acct-{i:D6}", i, MarginMode.Standard, [TestBook.Holding(TestBook.Btc, i), TestBook.Holding(TestBook.Usdc, -i)], [new Position("BTC-PERP", 1m, 50_000m)]));
        }

        var book = builder.Build();

        // Per account: an id of 11 characters (~48 B + 8 B reference), version and mode (12 B), two balances (36 B), one
        // position (34 B) and two offsets (8 B): about 150 bytes; an Account record graph takes several times that.
        var perAccount = (double)book.EstimatedBytes / book.Count;
        Assert.InRange(perAccount, 140, 170);
    }

    [Fact]
    public void Builder_Empty_BuildsAnEmptyBook()
    {
        var book = new CompactBook.Builder().Build();

        Assert.Equal(0, book.Count);
        Assert.Empty(book.Unreadable);
    }

    [Fact]
    public void Account_BookOverSeveralSegments_RebuildsEveryAccountAsAdded()
    {
        // 20,000 accounts and 30,000 balances: three segments of 8,192 and a partial fourth per column, the offsets
        // column closed by one more entry that may start a segment of its own.
        var accounts = new Account[20_000];
        for (var i = 0; i < accounts.Length; i++)
        {
            var balances = i % 2 == 0 ? new[] { TestBook.Holding(TestBook.Btc, i + 0.5m), TestBook.Holding(TestBook.Usdc, -i) } : [TestBook.Holding(TestBook.Eth, i)];
            var positions = i % 3 == 0 ? new[] { new Position("BTC-PERP", i + 1m, 50_000m + i) } : [];
            accounts[i] = Account.Create($"acct-{i:D6}", i, i % 5 == 0 ? MarginMode.Portfolio : MarginMode.Standard, balances, positions);
        }

        var builder = new CompactBook.Builder();
        foreach (var account in accounts)
        {
            builder.Add(account);
        }

        var book = builder.Build();

        Assert.Equal(accounts.Length, book.Count);
        Assert.Equal(accounts.Sum(a => a.Balances.Length), book.BalanceCount);
        Assert.Equal(accounts.Sum(a => a.Positions.Length), book.PositionCount);
        for (var i = 0; i < accounts.Length; i++)
        {
            var rebuilt = book.Account(i);
            Assert.Equal(accounts[i].Id, rebuilt.Id);
            Assert.Equal(accounts[i].Version, rebuilt.Version);
            Assert.Equal(accounts[i].Mode, rebuilt.Mode);
            Assert.True(accounts[i].Balances.SequenceEqual(rebuilt.Balances), $"balances of {accounts[i].Id}");
            Assert.True(accounts[i].Positions.SequenceEqual(rebuilt.Positions), $"positions of {accounts[i].Id}");
        }

        Assert.Throws<IndexOutOfRangeException>(() => book.Account(accounts.Length));
    }

    [Fact]
    public void Builder_AfterBuild_RefusesAnotherBookAndMoreAccounts()
    {
        var builder = new CompactBook.Builder().Add(Account.Create("a", 0, MarginMode.Standard, [TestBook.Holding(TestBook.Btc, 1m)], []));
        var book = builder.Build();

        Assert.Equal(1, book.Count);
        Assert.Contains("builds one book", Assert.Throws<InvalidOperationException>(() => builder.Build()).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => builder.Add(Account.Create("b", 0, MarginMode.Standard, [], [])));
        Assert.Throws<InvalidOperationException>(() => builder.AddUnreadable("c", "unreadable"));
        Assert.Equal("a", book.IdAt(0));
    }
}
