using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Evaluation;
using Margin.Engine.Instruments;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;

namespace Margin.Engine.Tests.Support;

/// <summary>One generated asset: its parameters and its prices in the snapshot.</summary>
public sealed record GeneratedAsset(AssetRiskParameters Parameters, decimal Price, decimal Reference, double SigmaLong)
{
    public Asset Asset => Parameters.Asset;

    public bool Borrowable => Parameters.Borrow is not null;
}

/// <summary>A realistic random book: parameters, a snapshot and one account (MARGIN-MODEL.md sections 2, 3).</summary>
/// <remarks>
/// Assets: USDC (flat, borrowable), BTC (flat + marginal tiers, borrowable), ETH (flat + decimal IMF size premium,
/// borrowable), SOL (flat + volatility and depth scaling, not borrowable). Instruments: BTC-PERP and ETH-PERP (linear),
/// BTC-INV (inverse). Quantities keep every value far inside decimal's range. Drift's integer IMF is left out on
/// purpose: its floored weight steps make AE non-monotone in the quantity (docs/margin-model.md), so the monotonicity
/// properties are asserted for the decimal form only.
/// </remarks>
public sealed record GeneratedBook(ImmutableArray<GeneratedAsset> Assets, ImmutableArray<Balance> Balances, ImmutableArray<Position> Positions, ImmutableDictionary<string, decimal> Marks)
{
    public static readonly Asset Usd = Asset.Of("USD");
    public static readonly DateTimeOffset AsOf = new(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly ImmutableArray<InstrumentRiskParameters> Instruments =
    [
        new() { Instrument = new Perpetual("BTC-PERP", Asset.Of("BTC"), ContractType.Linear), Brackets = TestBook.BtcPerpBrackets() },
        new()
        {
            Instrument = new Perpetual("ETH-PERP", Asset.Of("ETH"), ContractType.Linear),
            Brackets = RiskParameters.Brackets(new MarginBracket(100_000m, 0.025m, 0.0125m), new MarginBracket(null, 0.05m, 0.03m)),
        },
        new() { Instrument = new Perpetual("BTC-INV", Asset.Of("BTC"), ContractType.Inverse, lotSize: 1m), Brackets = RiskParameters.Brackets(new MarginBracket(200_000m, 0.02m, 0.01m), new MarginBracket(null, 0.04m, 0.02m)) },
    ];

    public RiskParameters Parameters(int moneyDecimals = 8) =>
        RiskParameters.Create("gen-params", Usd, Assets.Select(a => a.Parameters), Instruments, moneyDecimals: moneyDecimals);

    public PriceSnapshot Snapshot() => PriceSnapshot.Create(
        "gen-snap",
        AsOf,
        Usd,
        Assets.Select(a => AssetPrice.Create(a.Asset, a.Price, AsOf, a.Reference, sigmaLong: a.SigmaLong)),
        Marks.Select(m => InstrumentPrice.Create(m.Key, m.Value)));

    public Account Account() => global::Margin.Engine.Accounts.Account.Create("gen-acct", 1, MarginMode.Standard, Balances, Positions);

    public MarginModel Model(int moneyDecimals = 8) => MarginModel.Create(Snapshot(), Parameters(moneyDecimals));

    public GeneratedAsset AssetAt(int index) => Assets[index % Assets.Length];

    public decimal BalanceOf(Asset asset) => Balances.Where(b => b.Asset == asset).Select(b => b.Quantity).FirstOrDefault();

    /// <summary>The book with the account's balance of <paramref name="asset"/> set (added at the end if absent).</summary>
    public GeneratedBook WithBalance(Asset asset, decimal quantity) => this with
    {
        Balances = Balances.Any(b => b.Asset == asset)
            ? [.. Balances.Select(b => b.Asset == asset ? b with { Quantity = quantity } : b)]
            : Balances.Add(new Balance(asset, quantity)),
    };

    /// <summary>The book with the prices (P and P_ref) of the assets matching <paramref name="which"/> scaled by <paramref name="factor"/>.</summary>
    public GeneratedBook WithPricesScaled(Func<GeneratedAsset, bool> which, decimal factor, bool reference = true) => this with
    {
        Assets = [.. Assets.Select(a => which(a) ? a with { Price = a.Price * factor, Reference = reference ? a.Reference * factor : a.Reference } : a)],
    };

    public GeneratedBook WithoutPositions() => this with { Positions = [] };

    /// <summary>The book with tiers and volatility scaling removed: every weight is then linear in the price (flat, or IMF by size).</summary>
    public GeneratedBook LinearInPrice() => this with
    {
        Assets = [.. Assets.Select(a => a with
        {
            Parameters = a.Parameters with
            {
                Initial = a.Parameters.Initial with { Tiers = [], VolatilityScaling = null },
                Maintenance = a.Parameters.Maintenance with { Tiers = [], VolatilityScaling = null },
            },
        })],
    };

    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        foreach (var a in Assets)
        {
            var m = a.Parameters.Maintenance;
            var i = a.Parameters.Initial;
            text.Append(c, $"{a.Asset}: P {a.Price} ref {a.Reference} sigma {a.SigmaLong}; M w {m.AssetWeight} l {m.LiabilityWeight}");
            text.Append(c, $" tiers [{string.Join(", ", m.Tiers.Select(t => $"{t.UpToUsd?.ToString(c) ?? "inf"}@{t.Rate}"))}] imf {m.SizePremium?.Imf} vol {m.VolatilityScaling?.Z}/{m.VolatilityScaling?.HorizonYears}");
            text.Append(c, $"; I w {i.AssetWeight} l {i.LiabilityWeight} tiers [{string.Join(", ", i.Tiers.Select(t => $"{t.UpToUsd?.ToString(c) ?? "inf"}@{t.Rate}"))}] imf {i.SizePremium?.Imf} vol {i.VolatilityScaling?.Z}/{i.VolatilityScaling?.HorizonYears}");
            text.Append(c, $"; depth {a.Parameters.DepthUsd} borrow {a.Parameters.Borrow?.InitialRate}/{a.Parameters.Borrow?.MaintenanceRate}\n");
        }

        text.Append(c, $"balances: {string.Join(", ", Balances.Select(b => $"{b.Asset} {b.Quantity}"))}\n");
        text.Append(c, $"positions: {string.Join(", ", Positions.Select(p => $"{p.InstrumentId} {p.Quantity} @ {p.EntryPrice} (mark {Marks[p.InstrumentId]})"))}");
        return text.ToString();
    }
}
