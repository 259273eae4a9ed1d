using System.Text.Json;
using Margin.Engine.Domain;
using Margin.Engine.Prices;
using Margin.Engine.Statistics;

namespace Margin.Infrastructure.Documents;

/// <summary>Maps the document's <c>snapshot</c> object to a <see cref="PriceSnapshot"/>.</summary>
/// <remarks>
/// The snapshot's own fields (<c>id</c>, <c>asOf</c>, <c>quote</c>, the shape of <c>assets</c> and <c>instruments</c>)
/// are problems of the whole document. Anything wrong inside one asset's or one instrument's entry (a missing, NaN,
/// zero, negative or malformed price, an unknown property) is a <see cref="PriceDefect"/> of that entry instead: only the
/// accounts that depend on it fail, and they say which price and why.
/// </remarks>
public static class SnapshotReader
{
    public const string Root = "snapshot";

    internal static PriceSnapshot? Read(InputObject snapshot, List<InputProblem> problems)
    {
        var id = snapshot.String("id", required: true);
        var asOf = snapshot.Time("asOf", required: true);
        var quote = snapshot.Symbol("quote", required: true);
        var unusable = snapshot.String("unusableReason");
        var assets = new List<AssetPrice>();
        var instruments = new List<InstrumentPrice>();
        var defects = new List<PriceDefect>();

        if (snapshot.Object("assets", required: true) is { } assetMap)
        {
            foreach (var symbol in assetMap.Names.ToList())
            {
                var path = assetMap.Child(symbol);
                var element = assetMap.Raw(symbol);
                if (!Asset.TryCreate(symbol, out var asset, out var error))
                {
                    problems.Add(new InputProblem(path, error));
                    continue;
                }

                if (element is null)
                {
                    defects.Add(new PriceDefect(symbol, path, "no price entry (null)"));
                    continue;
                }

                var local = new List<InputProblem>();
                var price = ReadAssetPrice(asset, element.Value, path, asOf ?? default, local);
                if (price is not null)
                {
                    assets.Add(price);
                }
                else
                {
                    defects.Add(Defect(symbol, path, local));
                }
            }
        }

        if (snapshot.Object("instruments") is { } instrumentMap)
        {
            foreach (var instrumentId in instrumentMap.Names.ToList())
            {
                var path = instrumentMap.Child(instrumentId);
                var element = instrumentMap.Raw(instrumentId);
                if (string.IsNullOrWhiteSpace(instrumentId))
                {
                    problems.Add(new InputProblem(path, "an instrument id must not be empty"));
                    continue;
                }

                if (element is null)
                {
                    defects.Add(new PriceDefect(instrumentId, path, "no mark entry (null)"));
                    continue;
                }

                var local = new List<InputProblem>();
                var mark = ReadInstrumentPrice(instrumentId, element.Value, path, local);
                if (mark is not null)
                {
                    instruments.Add(mark);
                }
                else
                {
                    defects.Add(Defect(instrumentId, path, local));
                }
            }
        }

        var correlations = ReadCorrelations(snapshot.Object("correlations"), problems);
        snapshot.RejectUnknown();
        if (id is null || asOf is null || quote is null || problems.Count > 0)
        {
            return null;
        }

        return PriceSnapshot.Create(id, asOf.Value, quote.Value, assets, instruments, defects, unusable, correlations);
    }

    /// <summary>Reads <c>correlations</c>: pairs <c>"BTC/ETH": 0.8</c>; a pair not given counts as 1 (the engine's rule where history is missing).</summary>
    private static CorrelationMatrix? ReadCorrelations(InputObject? o, List<InputProblem> problems)
    {
        if (o is null)
        {
            return null;
        }

        var pairs = new List<(Asset A, Asset B, double Rho)>();
        var seen = new Dictionary<(string, string), string>();
        foreach (var key in o.Names.ToList())
        {
            var rho = o.Double(key, required: true);
            var parts = key.Split('/');
            if (parts.Length != 2 || !Asset.TryCreate(parts[0], out var a, out _) || !Asset.TryCreate(parts[1], out var b, out _) || a == b)
            {
                o.Fail(key, "a correlation is keyed by two different assets, as \"BTC/ETH\"");
                continue;
            }

            if (rho is not { } r)
            {
                continue;
            }

            if (!(r >= -1.0 && r <= 1.0))
            {
                o.Fail(key, $"a correlation must lie in [-1, 1] (got {r.ToString(System.Globalization.CultureInfo.InvariantCulture)})");
                continue;
            }

            var pair = string.CompareOrdinal(a.Symbol, b.Symbol) < 0 ? (a.Symbol, b.Symbol) : (b.Symbol, a.Symbol);
            if (!seen.TryAdd(pair, key))
            {
                o.Fail(key, $"the pair is already given as \"{seen[pair]}\"");
                continue;
            }

            pairs.Add((a, b, r));
        }

        var assets = pairs.SelectMany(p => new[] { p.A, p.B }).Distinct().OrderBy(a => a.Symbol, StringComparer.Ordinal).ToList();
        var n = assets.Count;
        var values = new double[n * n];
        Array.Fill(values, 1.0);
        foreach (var (a, b, rho) in pairs)
        {
            var i = assets.IndexOf(a);
            var j = assets.IndexOf(b);
            values[(i * n) + j] = rho;
            values[(j * n) + i] = rho;
        }

        return problems.Count > 0 ? null : CorrelationMatrix.Create(assets, values);
    }

    private static AssetPrice? ReadAssetPrice(Asset asset, JsonElement element, string path, DateTimeOffset asOf, List<InputProblem> local)
    {
        if (InputObject.From(element, path, local) is not { } o)
        {
            return null;
        }

        var price = o.Decimal("price", required: true);
        var reference = o.Decimal("referencePrice");
        var confidence = o.Decimal("confidence");
        var publishTime = o.Time("publishTime");
        var unusable = o.String("unusableReason");
        var sigmaShort = o.Double("sigmaShort");
        var sigmaLong = o.Double("sigmaLong");
        o.RejectUnknown("an asset price");
        Positive(o, "price", price);
        Positive(o, "referencePrice", reference);
        if (confidence < 0m)
        {
            o.Fail("confidence", $"must not be negative (got {confidence})");
        }

        NonNegative(o, "sigmaShort", sigmaShort);
        NonNegative(o, "sigmaLong", sigmaLong);
        if (local.Count > 0 || price is null)
        {
            return null;
        }

        return AssetPrice.Create(asset, price.Value, publishTime ?? asOf, reference, confidence ?? 0m, unusable, sigmaShort, sigmaLong);
    }

    private static InstrumentPrice? ReadInstrumentPrice(string instrumentId, JsonElement element, string path, List<InputProblem> local)
    {
        if (InputObject.From(element, path, local) is not { } o)
        {
            return null;
        }

        var mark = o.Decimal("mark", required: true);
        var iv = o.Double("impliedVolatility");
        var unusable = o.String("unusableReason");
        o.RejectUnknown("an instrument mark");
        Positive(o, "mark", mark);
        if (iv is <= 0d)
        {
            o.Fail("impliedVolatility", $"must be positive (got {iv})");
        }

        if (local.Count > 0 || mark is null)
        {
            return null;
        }

        return InstrumentPrice.Create(instrumentId, mark.Value, iv, unusable);
    }

    private static void Positive(InputObject o, string name, decimal? value)
    {
        if (value is <= 0m)
        {
            o.Fail(name, $"must be positive (got {value})");
        }
    }

    private static void NonNegative(InputObject o, string name, double? value)
    {
        if (value is < 0d)
        {
            o.Fail(name, $"must not be negative (got {value})");
        }
    }

    private static PriceDefect Defect(string key, string path, List<InputProblem> local)
    {
        var first = local.Count > 0 ? local[0] : new InputProblem(path, "the entry is invalid");
        var more = local.Count > 1 ? $" (and {local.Count - 1} more problem{(local.Count == 2 ? string.Empty : "s")})" : string.Empty;
        return new PriceDefect(key, first.Field ?? path, first.Problem + more);
    }
}
