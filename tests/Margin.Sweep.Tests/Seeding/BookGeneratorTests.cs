using System.Diagnostics;
using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Margin.Engine.Accounts;
using Margin.Engine.Evaluation;
using Margin.Engine.Instruments;
using Margin.Engine.Results;
using Margin.Infrastructure.Documents;
using Margin.Sweep.Seeding;
using Margin.Sweep.Tests.Support;

namespace Margin.Sweep.Tests.Seeding;

public sealed class BookGeneratorTests
{
    private const int BookSize = 10_000;
    private const int BookSeed = 20261201;

    /// <summary>The demo book of 10,000 accounts, each with its evaluation at the reference prices or the exception it threw.</summary>
    private static readonly Lazy<IReadOnlyList<(Account Account, MarginSummary? Summary, Exception? Error)>> s_book = new(() =>
    {
        var model = MarginModel.Create(DemoMarket.Snapshot, DemoMarket.Parameters);
        return [.. Generator().Generate(BookSize, BookSeed).Select(a =>
        {
            try
            {
                return (a, (MarginSummary?)model.EvaluateSummary(a), (Exception?)null);
            }
            catch (ArgumentException ex)
            {
                return (a, null, ex);
            }
        })];
    });

    private static IReadOnlyList<(Account Account, MarginSummary? Summary, Exception? Error)> Book => s_book.Value;

    [Fact]
    public void Generate_SameSeed_SameAccounts()
    {
        var first = Generator().Generate(500, 7).Select(Render).ToList();
        var second = Generator().Generate(500, 7).Select(Render).ToList();

        Assert.Equal(500, first.Count);
        Assert.Equal(first, second);
    }

    [Property(MaxTest = 40)]
    public void GenerateAccount_AnyIndex_IsTheAccountAtThatIndexOfAnyBook(PositiveInt indexSeed, int seed, PositiveInt extra)
    {
        var index = indexSeed.Get % 300;
        var count = index + 1 + (extra.Get % 50);
        var generator = Generator();

        var alone = Render(generator.GenerateAccount(index, seed));
        var inBook = Render(generator.Generate(count, seed).ElementAt(index));
        var inRange = Render(generator.Generate(1, seed, start: index).Single());

        Assert.Equal(alone, inBook);
        Assert.Equal(alone, inRange);
    }

    [Fact]
    public void Generate_DifferentSeeds_DifferentBooks()
    {
        var a = Generator().Generate(300, 1).Select(Render).ToList();
        var b = Generator().Generate(300, 2).Select(Render).ToList();

        // Only accounts that happen to be empty with the same version could coincide.
        var same = a.Zip(b).Count(p => p.First == p.Second);
        Assert.True(same <= 3, $"{same} of 300 accounts are identical under seeds 1 and 2");
        Assert.Equal(a.Select((_, i) => BookGenerator.AccountId(i)), Generator().Generate(300, 2).Select(x => x.Id));
    }

    [Fact]
    public void Generate_LastIndexAlone_DoesNotGenerateTheBookBeforeIt()
    {
        var generator = Generator();
        var stopwatch = Stopwatch.StartNew();

        var last = generator.GenerateAccount(BookGenerator.MaxAccounts - 1, 3);
        var viaRange = generator.Generate(1, 3, start: BookGenerator.MaxAccounts - 1).Single();
        var firstOfMillion = generator.Generate(BookGenerator.MaxAccounts, 3).Take(3).ToList();
        stopwatch.Stop();

        Assert.Equal("acct-999999", last.Id);
        Assert.Equal(Render(last), Render(viaRange));
        Assert.Equal(["acct-000001", "acct-000002", "acct-000003"], firstOfMillion.Select(a => a.Id));
        Assert.IsNotAssignableFrom<ICollection<Account>>(generator.Generate(100, 3));

        // Generating the 999,998 accounts before the last would take seconds; these take milliseconds.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public void Generate_DemoBook_EveryAccountEvaluates()
    {
        var failures = Book.Where(b => b.Error is not null).Select(b => $"{b.Account.Id}: {b.Error!.Message}").Take(10).ToList();

        Assert.Equal(BookSize, Book.Count);
        Assert.Empty(failures);
    }

    [Fact]
    public void Generate_DemoBook_StatusSharesInTheTargetRanges()
    {
        var statuses = Book.Where(b => b.Summary is not null).Select(b => b.Summary!.Value.Status).ToList();
        double Share(params MarginStatus[] s) => (double)statuses.Count(s.Contains) / BookSize;

        var stretched = Share(MarginStatus.Warning, MarginStatus.MarginCall, MarginStatus.ReduceOnly);
        var liquidatable = Share(MarginStatus.Liquidatable);
        var bankrupt = Share(MarginStatus.Bankrupt);
        var shares = string.Join(", ", Enum.GetValues<MarginStatus>().Select(s => string.Create(CultureInfo.InvariantCulture, $"{s} {Share(s):P2}")));

        Assert.InRange(stretched, 0.08, 0.12);
        Assert.InRange(liquidatable, 0.02, 0.04);
        Assert.InRange(bankrupt, 0.0001, 0.0099);
        Assert.True(Share(MarginStatus.Healthy) >= 0.83, shares);
        Assert.All(Enum.GetValues<MarginStatus>(), s => Assert.True(Share(s) > 0.0, $"no {s} account: {shares}"));
    }

    [Fact]
    public void Generate_DemoBook_QuantitiesAreWholeLots()
    {
        var parameters = DemoMarket.Parameters;
        var offenders = new List<string>();
        foreach (var (account, _, _) in Book)
        {
            offenders.AddRange(account.Balances
                .Where(b => b.Quantity == 0m || b.Quantity % parameters.Assets[b.Asset.Symbol].LotSize != 0m)
                .Select(b => $"{account.Id}: {b.Asset} {b.Quantity}"));
            offenders.AddRange(account.Positions
                .Where(p => p.Quantity == 0m || p.Quantity % parameters.Instruments[p.InstrumentId].Instrument.LotSize != 0m)
                .Select(p => $"{account.Id}: {p.InstrumentId} {p.Quantity}"));
        }

        Assert.Empty(offenders.Take(10));
    }

    [Fact]
    public void Generate_DemoBook_AboutAThirdBorrowAndOnlyBorrowableAssets()
    {
        var parameters = DemoMarket.Parameters;
        var borrowers = Book.Count(b => b.Account.Balances.Any(x => x.Quantity < 0m));
        var owedUnborrowable = Book.SelectMany(b => b.Account.Balances.Where(x => x.Quantity < 0m && parameters.Assets[x.Asset.Symbol].Borrow is null)).ToList();
        var owedCoins = Book.Count(b => b.Account.Balances.Any(x => x.Quantity < 0m && x.Asset.Symbol is "BTC" or "ETH"));

        Assert.InRange((double)borrowers / BookSize, 0.25, 0.35);
        Assert.Empty(owedUnborrowable);
        Assert.True(owedCoins > 0, "nobody shorts a coin by borrowing it");
    }

    [Fact]
    public void Generate_DemoBook_RealisticMix()
    {
        var parameters = DemoMarket.Parameters;
        var accounts = Book.Select(b => b.Account).ToList();
        var active = accounts.Where(a => a.Positions.Length > 0).ToList();
        double ShareOfActive(Func<Instrument, bool> kind) =>
            (double)active.Count(a => a.Positions.Any(p => kind(parameters.Instruments[p.InstrumentId].Instrument))) / active.Count;
        double ShareHolding(Func<string, bool> asset) =>
            (double)accounts.Count(a => a.Balances.Any(b => b.Quantity > 0m && asset(parameters.Assets[b.Asset.Symbol].AssetClass))) / accounts.Count;

        Assert.InRange((double)accounts.Count(a => a.Balances.IsEmpty && a.Positions.IsEmpty) / BookSize, 0.02, 0.06);
        Assert.InRange((double)accounts.Count(a => !a.Balances.IsEmpty && a.Positions.IsEmpty) / BookSize, 0.2, 0.35);
        Assert.InRange((double)active.Count / BookSize, 0.6, 0.75);
        Assert.True(ShareOfActive(i => i is Perpetual) >= 0.8, "perpetuals on most active accounts");
        Assert.InRange(ShareOfActive(i => i is Future), 0.05, 0.25);
        Assert.InRange(ShareOfActive(i => i is EuropeanOption), 0.03, 0.2);
        Assert.Contains(active, a => a.Positions.Any(p => parameters.Instruments[p.InstrumentId].Instrument is Perpetual { Contract: ContractType.Inverse }));
        Assert.Contains(active, a => a.Positions.Any(p => p.Quantity < 0m && parameters.Instruments[p.InstrumentId].Instrument is EuropeanOption));
        Assert.True(ShareHolding(c => c is "stablecoin" or "settlement") >= 0.6, "most accounts hold stablecoins");
        Assert.InRange(ShareHolding(c => c == "bluechip"), 0.3, 0.7);
        Assert.InRange(ShareHolding(c => c == "altcoin"), 0.1, 0.45);
        Assert.InRange((double)accounts.Count(a => a.Mode == MarginMode.Portfolio) / BookSize, 0.01, 0.04);
    }

    [Fact]
    public void Generate_DemoBook_SizesFromRetailToWhales()
    {
        var prices = DemoMarket.Snapshot.Assets;
        var sizes = Book.Where(b => b.Summary is not null && !b.Account.Balances.IsEmpty)
            .Select(b => b.Account.Balances.Where(x => x.Quantity > 0m).Sum(x => x.Quantity * prices[x.Asset.Symbol].Price))
            .Order()
            .ToList();

        var median = sizes[sizes.Count / 2];
        Assert.InRange(median, 1_000m, 10_000m);
        Assert.True(sizes[0] < 100m, $"smallest {sizes[0]}");
        Assert.True(sizes[^1] > 1_000_000m, $"largest {sizes[^1]}");
    }

    [Fact]
    public void Generate_OtherParameters_UsesOnlyUsablePricesAndEveryAccountEvaluates()
    {
        // The evaluate demo book: AVAX's price is stale, DOGE is kill-switched, no stablecoin but USDC, no portfolio section.
        var (input, problems) = EvaluateInputReader.Read(File.ReadAllText(DemoMarket.RepositoryFile("examples", "evaluate-book.json")));
        Assert.Empty(problems);
        var model = MarginModel.Create(input!.Snapshot, input.Parameters);
        var generator = new BookGenerator(input.Parameters, input.Snapshot);

        var accounts = generator.Generate(2_000, 11).ToList();

        Assert.All(accounts, a => model.EvaluateSummary(a));
        Assert.DoesNotContain(accounts, a => a.Balances.Any(b => b.Asset.Symbol == "AVAX"));
        Assert.Contains(accounts, a => a.Positions.Length > 0);
        Assert.All(accounts, a => Assert.Equal(MarginMode.Standard, a.Mode));
    }

    [Fact]
    public void AccountId_Indexes_ZeroPaddedAndSortable()
    {
        var ids = new[] { 0, 1, 9, 10, 99_998, 99_999, BookGenerator.MaxAccounts - 1 }.Select(BookGenerator.AccountId).ToList();

        Assert.Equal(["acct-000001", "acct-000002", "acct-000010", "acct-000011", "acct-099999", "acct-100000", "acct-999999"], ids);
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
    }

    public static TheoryData<int, int> BadRanges => new()
    {
        { -1, 0 },
        { 1, -1 },
        { BookGenerator.MaxAccounts + 1, 0 },
        { 2, BookGenerator.MaxAccounts - 1 },
    };

    [Theory]
    [MemberData(nameof(BadRanges))]
    public void Generate_RangeOutOfBounds_ThrowsBeforeEnumerating(int count, int start) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Generator().Generate(count, 1, start));

    [Theory]
    [InlineData(-1)]
    [InlineData(BookGenerator.MaxAccounts)]
    public void GenerateAccount_IndexOutOfBounds_Throws(int index) =>
        Assert.Equal("index", Assert.Throws<ArgumentOutOfRangeException>(() => Generator().GenerateAccount(index, 1)).ParamName);

    [Fact]
    public void Constructor_InvalidProfile_ThrowsNamingEveryProblem()
    {
        var profile = BookProfile.Default with { BorrowShare = 1.5, StretchedShare = 0.7, BreachedShare = 0.5, MedianSizeUsd = 0 };

        var ex = Assert.Throws<ArgumentException>(() => new BookGenerator(DemoMarket.Parameters, DemoMarket.Snapshot, profile));

        Assert.Equal("profile", ex.ParamName);
        Assert.Contains("BorrowShare must be a share in [0, 1] (got 1.5)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("StretchedShare + BreachedShare + UnderwaterShare must not exceed 1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MedianSizeUsd must be at least 1 USD (got 0)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_ProfileWithoutRiskBands_NoAccountNearLiquidation()
    {
        var profile = BookProfile.Default with { StretchedShare = 0, BreachedShare = 0, UnderwaterShare = 0 };
        var model = MarginModel.Create(DemoMarket.Snapshot, DemoMarket.Parameters);

        var summaries = new BookGenerator(DemoMarket.Parameters, DemoMarket.Snapshot, profile).Generate(2_000, 5).Select(a => model.EvaluateSummary(a)).ToList();
        var statuses = string.Join(", ", summaries.GroupBy(s => s.Status).Select(g => $"{g.Key} {g.Count()}"));

        // Calm accounts are sized for at most 37 % of their maintenance margin. The initial requirement (twice the
        // maintenance one for perpetuals and borrows, on more conservative weights) makes a few ReduceOnly, no more.
        Assert.All(summaries, s => Assert.True(s.MarginRatio < 0.8, $"MarginRatio {s.MarginRatio}: {statuses}"));
        Assert.True(summaries.Count(s => s.Status == MarginStatus.Healthy) >= 1_900, statuses);
    }

    private static BookGenerator Generator() => new(DemoMarket.Parameters, DemoMarket.Snapshot);

    private static string Render(Account a) => string.Create(
        CultureInfo.InvariantCulture,
        $"{a.Id}|{a.Version}|{a.Mode}|{string.Join(",", a.Balances.Select(b => $"{b.Asset}:{b.Quantity}"))}|{string.Join(",", a.Positions.Select(p => $"{p.InstrumentId}:{p.Quantity}@{p.EntryPrice}"))}");
}
