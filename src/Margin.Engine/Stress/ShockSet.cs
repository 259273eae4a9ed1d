using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;
using Margin.Engine.Parameters;

namespace Margin.Engine.Stress;

/// <summary>An ordered set of shocks, as written in a scenario (<c>BTC=-25%,ETH=-30%,alts=-45%</c>), and their resolution to one move per asset.</summary>
/// <remarks>
/// <para>Text form: shocks separated by commas, each <c>selector=move%</c>; the move is a signed decimal percentage and
/// must be greater than -100 % (a price cannot fall to zero or below). Whitespace around items is ignored; an empty text
/// is an empty set. A selector may appear once.</para>
/// <para>Selectors, resolved against a parameter set by <see cref="TryResolve"/>, the most specific first: an asset symbol
/// (ordinal, as the parameters spell it); an asset class of the parameters (<c>settlement</c>, <c>stablecoin</c>,
/// <c>bluechip</c>, <c>altcoin</c>, or any other class they use; case-insensitive) or one of its aliases
/// (<c>stables</c> = stablecoin, <c>majors</c> = bluechip, <c>alts</c> = altcoin); and <c>*</c>, every asset no other shock
/// names. The settlement asset is the unit of every price and cannot be shocked: naming it is an error, and classes and
/// <c>*</c> skip it.</para>
/// </remarks>
public sealed class ShockSet
{
    /// <summary>The aliases of the asset classes the seed parameters use.</summary>
    public static readonly FrozenDictionary<string, string> ClassAliases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["stables"] = "stablecoin",
        ["majors"] = "bluechip",
        ["alts"] = "altcoin",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>The selector for every asset no other shock names.</summary>
    public const string Everything = "*";

    private ShockSet(ImmutableArray<Shock> shocks) => Shocks = shocks;

    /// <summary>The empty set: no asset moves.</summary>
    public static ShockSet Empty { get; } = new([]);

    /// <summary>The shocks, in the order written.</summary>
    public ImmutableArray<Shock> Shocks { get; }

    /// <summary>Whether there is no shock.</summary>
    public bool IsEmpty => Shocks.IsEmpty;

    /// <summary>Creates a set from shocks, validating each.</summary>
    /// <exception cref="ArgumentException">A selector is empty or repeated, or a move is -100 % or below.</exception>
    public static ShockSet Create(IEnumerable<Shock> shocks)
    {
        ArgumentNullException.ThrowIfNull(shocks);
        var list = shocks.ToImmutableArray();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var shock in list)
        {
            if (string.IsNullOrWhiteSpace(shock.Selector))
            {
                throw new ArgumentException("a shock's selector (asset, class or *) is empty", nameof(shocks));
            }

            if (!seen.Add(shock.Selector))
            {
                throw new ArgumentException($"{shock.Selector} is shocked twice", nameof(shocks));
            }

            if (shock.Move <= -1m)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{shock.Selector}: a move of {shock.Move * 100m:0.##} % leaves no price; a move must be above -100 %"), nameof(shocks));
            }
        }

        return new ShockSet(list);
    }

    /// <summary>Parses the text form.</summary>
    /// <param name="text">The shocks, e.g. <c>BTC=-25%,ETH=-30%,alts=-45%</c>; null or blank is the empty set.</param>
    /// <param name="field">Where the text came from, used in the problems (e.g. <c>--scenario</c>).</param>
    /// <param name="set">The set, when there is no problem.</param>
    /// <param name="problems">Each malformed shock, by position and text.</param>
    /// <returns>Whether the text parsed.</returns>
    public static bool TryParse(string? text, string field, out ShockSet set, out IReadOnlyList<string> problems)
    {
        set = Empty;
        var found = new List<string>();
        problems = found;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var shocks = new List<Shock>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var items = text.Split(',');
        for (var i = 0; i < items.Length; i++)
        {
            var item = items[i].Trim();
            var where = string.Create(CultureInfo.InvariantCulture, $"{field}: shock {i + 1} ('{item}')");
            if (item.Length == 0)
            {
                found.Add($"{field}: shock {i + 1} is empty (two commas, or a comma at the end?)");
                continue;
            }

            if (TryParseOne(item, out var shock, out var problem))
            {
                if (!seen.Add(shock.Selector))
                {
                    found.Add($"{where}: {shock.Selector} is shocked twice");
                    continue;
                }

                shocks.Add(shock);
            }
            else
            {
                found.Add($"{where}: {problem}");
            }
        }

        if (found.Count > 0)
        {
            return false;
        }

        set = new ShockSet([.. shocks]);
        return true;
    }

    /// <summary>Parses one <c>selector=move%</c> item (also used for the values of a scenario file, with the selector apart).</summary>
    /// <param name="selector">The selector.</param>
    /// <param name="move">The move text, e.g. <c>-25%</c>.</param>
    /// <param name="shock">The shock, when valid.</param>
    /// <param name="problem">What is wrong, when not.</param>
    /// <returns>Whether it is valid.</returns>
    public static bool TryParseShock(string selector, string? move, out Shock shock, out string? problem)
    {
        shock = new Shock(selector, 0m);
        if (string.IsNullOrWhiteSpace(selector))
        {
            problem = "the selector (an asset, an asset class or *) is empty";
            return false;
        }

        if (!TryParseMove(move, out var fraction, out problem))
        {
            return false;
        }

        shock = new Shock(selector.Trim(), fraction);
        return true;
    }

    /// <summary>Parses a percentage move such as <c>-25%</c>, <c>+10%</c> or <c>7.5%</c> into a fraction above -1.</summary>
    /// <param name="text">The move.</param>
    /// <param name="fraction">The move as a fraction.</param>
    /// <param name="problem">What is wrong, when it does not parse.</param>
    /// <returns>Whether it parsed.</returns>
    public static bool TryParseMove(string? text, out decimal fraction, out string? problem)
    {
        fraction = 0m;
        var t = text?.Trim() ?? string.Empty;
        if (t.Length == 0)
        {
            problem = "the move is missing (write it as a percentage, e.g. -25%)";
            return false;
        }

        if (!t.EndsWith('%'))
        {
            problem = $"the move '{t}' must be a percentage ending in %, e.g. -25%";
            return false;
        }

        var number = t[..^1].Trim();
        if (!decimal.TryParse(number, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var percent))
        {
            problem = $"the move '{t}' is not a number followed by % (e.g. -25% or +7.5%)";
            return false;
        }

        if (percent <= -100m)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"a move of {percent} % leaves no price; a move must be above -100 %");
            return false;
        }

        if (percent > 100_000m)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"a move of {percent} % is beyond +100000 %");
            return false;
        }

        fraction = percent / 100m;
        problem = null;
        return true;
    }

    /// <summary>Resolves the selectors against a parameter set: one move per asset that moves (the settlement asset never does).</summary>
    /// <param name="parameters">The assets and their classes.</param>
    /// <param name="field">Where the shocks came from, used in the problems.</param>
    /// <param name="moves">Per asset symbol, its move (a fraction), for every asset a shock selects; when there is no problem.</param>
    /// <param name="problems">Unknown selectors (with the assets and classes there are), and the settlement asset named.</param>
    /// <returns>Whether every selector resolved.</returns>
    public bool TryResolve(RiskParameters parameters, string field, out IReadOnlyDictionary<string, decimal> moves, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var found = new List<string>();
        problems = found;
        var result = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        moves = result;
        var classes = parameters.Assets.Values.Select(a => a.AssetClass).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToArray();
        decimal? everything = null;
        var byClass = new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase);
        var bySymbol = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var shock in Shocks)
        {
            if (shock.Selector == Everything)
            {
                everything = shock.Move;
            }
            else if (parameters.Assets.ContainsKey(shock.Selector))
            {
                if (string.Equals(shock.Selector, parameters.Settlement.Symbol, StringComparison.Ordinal))
                {
                    found.Add($"{field}: {shock.Selector} is the settlement currency, the unit of every price; it cannot be shocked");
                }
                else
                {
                    bySymbol[shock.Selector] = shock.Move;
                }
            }
            else if (ClassOf(shock.Selector, classes) is { } assetClass)
            {
                if (!byClass.TryAdd(assetClass, shock.Move))
                {
                    found.Add($"{field}: asset class {assetClass} is shocked twice (by its name and by an alias)");
                }
            }
            else
            {
                var symbols = string.Join(", ", parameters.Assets.Keys.Order(StringComparer.Ordinal));
                var aliases = string.Join(", ", ClassAliases.Where(a => classes.Contains(a.Value, StringComparer.OrdinalIgnoreCase)).Select(a => a.Key).Order(StringComparer.Ordinal));
                found.Add($"{field}: unknown asset or asset class '{shock.Selector}' in parameters {parameters.Version} (assets: {symbols}; classes: {string.Join(", ", classes)}{(aliases.Length > 0 ? "; aliases: " + aliases : string.Empty)}; or * for every other asset)");
            }
        }

        if (found.Count > 0)
        {
            return false;
        }

        foreach (var (symbol, asset) in parameters.Assets)
        {
            if (string.Equals(symbol, parameters.Settlement.Symbol, StringComparison.Ordinal))
            {
                continue;
            }

            decimal? move = bySymbol.TryGetValue(symbol, out var m) ? m
                : byClass.TryGetValue(asset.AssetClass, out var c) ? c
                : everything;
            if (move is { } value)
            {
                result[symbol] = value;
            }
        }

        return true;
    }

    /// <summary>The text form: <c>selector=move%</c> joined by commas, in order.</summary>
    public override string ToString() =>
        string.Join(",", Shocks.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Selector}={(s.Move >= 0m ? "+" : string.Empty)}{s.Move * 100m:0.##########}%")));

    private static string? ClassOf(string selector, string[] classes)
    {
        var name = ClassAliases.TryGetValue(selector, out var aliased) ? aliased : selector;
        return classes.FirstOrDefault(c => string.Equals(c, name, StringComparison.OrdinalIgnoreCase));
    }

    private static bool TryParseOne(string item, out Shock shock, out string? problem)
    {
        shock = new Shock(item, 0m);
        var eq = item.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0)
        {
            problem = "expected selector=move%, e.g. BTC=-25%";
            return false;
        }

        return TryParseShock(item[..eq].Trim(), item[(eq + 1)..], out shock, out problem);
    }
}
