using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Parameters;
using Margin.Engine.Results;
using static Margin.Engine.Tests.Support.TestBook;

namespace Margin.Engine.Tests.Evaluation;

/// <summary>Regressions found by review of the hot-path rewrite; each failed on the code it fixed.</summary>
public partial class MarginModelTests
{
    [Fact]
    public void Evaluate_TierBandWithHugeFloor_RoundsTheExactMarginalValueDown()
    {
        // Band 0 [0, f] at rate 0, band 1 above f at 0.5; V - f = 0.000000019999999999, so the exact tiered value is
        // 0.0000000099999999995, which rounds down to 0 at 8 places. Computing it as (cumulative - f * 0.5) + V * 0.5
        // cancels two 2.5e10 numbers and lands on 0.00000001: a rounding in the account's favour.
        var x = Asset.Of("X");
        var f = 50_000_000_000.123456789012345672m;
        var tiers = new WeightSchedule { AssetWeight = 1m, LiabilityWeight = 1m, Tiers = [new WeightTier(f, 0m), new WeightTier(null, 0.5m)] };
        var model = Model(BookParameters(StandardAssets().Append(AssetParameters(x, tiers, tiers))), Snapshot(StandardPrices().Append(Price(x, 1m))));

        var s = model.EvaluateSummary(AccountOf(Holding(x, 50_000_000_000.123456809012345671m)));

        Assert.Equal(0m, s.AdjustedEquityMaintenance.Amount);
        Assert.Equal(0m, s.AdjustedEquityInitial.Amount);
    }

    [Fact]
    public void Evaluate_GrossExposureBeyondDecimalRange_StillEvaluates()
    {
        // USD 4e28 held, USDC 4e28 owed, a speck of stale ETH: the materiality pass sums absolute values (8e28, beyond
        // decimal's range) although no figure of the result overflows. It saturates instead of failing the account.
        var model = Model(snapshot: Snapshot([Price(Usd, 1m), Price(Usdc, 1m), Price(Btc, 50_000m, 48_000m), Price(Eth, 2_000m, 2_100m, unusable: "stale")]));
        var account = AccountOf(Holding(Usd, 40_000_000_000_000_000_000_000_000_000m), Holding(Usdc, -40_000_000_000_000_000_000_000_000_000m), Holding(Eth, 1m));

        var s = model.EvaluateSummary(account);

        Assert.Equal(MarginFlags.None, s.Flags & MarginFlags.PriceSuspect);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Evaluate_InverseCoinPnlOverflows_NamesThePosition(bool zeroBalanceOfTheCoin)
    {
        // coin = 1e20 / 1e-5 - 1e20 / 50,000, about 1e25 BTC; valuing it at 50,000 USD overflows.
        Balance[] balances = zeroBalanceOfTheCoin ? [Holding(Btc, 0m), Holding(Usdc, 1m)] : [Holding(Usdc, 1m)];
        var account = AccountOf(balances, new Position("BTC-INV", 100_000_000_000_000_000_000m, 0.00001m));

        var ex = Assert.Throws<InvalidAccountException>(() => Model().EvaluateSummary(account));

        Assert.Equal("positions[0].quantity", ex.Field);
    }

    [Fact]
    public void Evaluate_SeveralSmallStaleHoldings_CountTogetherForMateriality()
    {
        // USDC 100,000, BTC 0.012 (600) and ETH 0.3 (600) both stale: each is 0.59 % of gross, together 1.19 %.
        var model = Model(snapshot: Snapshot([Price(Usd, 1m), Price(Usdc, 1m), Price(Btc, 50_000m, unusable: "stale"), Price(Eth, 2_000m, unusable: "stale")]));

        var s = model.EvaluateSummary(AccountOf(Holding(Usdc, 100_000m), Holding(Btc, 0.012m), Holding(Eth, 0.3m)));

        Assert.True(s.Flags.HasFlag(MarginFlags.PriceSuspect));
    }
}
