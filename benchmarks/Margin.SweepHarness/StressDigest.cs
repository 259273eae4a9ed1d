using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Margin.Engine.Stress;

namespace Margin.SweepHarness;

/// <summary>A digest of a stress run's results: every cascade round (evaluation, liquidations, flows, prices), the initial and final book, and every curve point; equal digests mean equal results.</summary>
/// <remarks>
/// The canonical text writes every figure invariantly (decimals with their scale, doubles round-trippable), ids and
/// reasons included, and nothing that varies between equal runs (run ids, snapshot ids of the moved prices, times).
/// </remarks>
internal static class StressDigest
{
    /// <summary>The first 16 hex digits of the SHA-256 of the canonical text.</summary>
    public static string Of(CascadeResult cascade, ImmutableArray<CurvePoint> curve)
    {
        ArgumentNullException.ThrowIfNull(cascade);
        var text = new StringBuilder();
        void Add(FormattableString value) => text.Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

        Add($"stop {cascade.Stop} rounds {cascade.Rounds.Length}");
        foreach (var round in cascade.Rounds)
        {
            Add($"round {round.Round} new {round.NewLiquidations} without {round.WithoutOrder} fund {round.InsuranceFundLoss} cost {round.LiquidationCost}");
            Evaluation(text, round.Evaluation);
            foreach (var a in round.Assets)
            {
                Add($"  {a.Asset} sold {a.SoldUsd} bought {a.BoughtUsd} legs {a.Legs} depth {a.DepthUsd} {a.PriceBefore} -> {a.PriceAfter} floored {a.Floored}");
            }
        }

        text.Append("initial\n");
        Evaluation(text, cascade.Initial);
        text.Append("final\n");
        Evaluation(text, cascade.Final);
        foreach (var (asset, price) in cascade.StartPrices)
        {
            Add($"start {asset} {price}");
        }

        foreach (var (asset, price) in cascade.FinalPrices)
        {
            Add($"end {asset} {price}");
        }

        foreach (var p in curve.IsDefault ? [] : curve)
        {
            Add($"curve {p.Move} {p.Price} liq {p.Liquidatable} bankrupt {p.Bankrupt} shortfall {p.Shortfall} negative {p.NegativeEquity} suspect {p.PriceSuspect} failed {p.Failed}");
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    private static void Evaluation(StringBuilder text, BookEvaluation e)
    {
        void Add(FormattableString value) => text.Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        Add($"  statuses {string.Join(",", e.ByStatus.Select(kv => $"{kv.Key}={kv.Value}"))} failed {e.Failed} closed {e.Closed} suspect {e.PriceSuspect} shortfall {e.Shortfall} negative {e.NegativeEquity} ratios {string.Join(",", e.Ratios)}");
        foreach (var w in e.Worst)
        {
            Add($"  worst {w.AccountId} {w.Status} {w.MarginRatio:R} {w.Equity} {w.AdjustedEquityMaintenance} {w.MaintenanceRequirement} {w.Reason}");
        }

        foreach (var p in e.Problems)
        {
            Add($"  problem {p.AccountId} {p.Problem}");
        }
    }
}
