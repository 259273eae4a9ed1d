using Margin.Engine.Domain;

namespace Margin.Infrastructure.Oracles;

/// <summary>Start-up validation shared by the source options: a bad option throws <see cref="ArgumentException"/> naming the option and the asset.</summary>
internal static class OracleOptionsCheck
{
    private const string ParamName = "options";

    public static string SourceId(string? sourceId, string options)
    {
        if (string.IsNullOrWhiteSpace(sourceId))
        {
            throw new ArgumentException($"{options}.SourceId must not be empty", ParamName);
        }

        return sourceId;
    }

    /// <summary>An absolute http(s) address, with a trailing slash so that relative paths resolve under it (a provider's <c>.../hermes</c>).</summary>
    public static Uri BaseAddress(Uri? address, string options)
    {
        if (address is null || !address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttps && address.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"{options}.BaseAddress must be an absolute http or https address (got '{address}')", ParamName);
        }

        if (!string.IsNullOrEmpty(address.Query) || !string.IsNullOrEmpty(address.Fragment))
        {
            throw new ArgumentException($"{options}.BaseAddress must not have a query or a fragment (got '{address}')", ParamName);
        }

        return address.AbsolutePath.EndsWith('/') ? address : new Uri(address.AbsoluteUri + "/");
    }

    /// <summary>The asset map, keyed by validated assets; <paramref name="check"/> returns why a value is bad, or null.</summary>
    public static Dictionary<Asset, T> Assets<T>(IReadOnlyDictionary<string, T>? map, string options, string property, Func<T, string?> check)
    {
        if (map is null || map.Count == 0)
        {
            throw new ArgumentException($"{options}.{property} must map at least one asset", ParamName);
        }

        var assets = new Dictionary<Asset, T>();
        foreach (var (symbol, value) in map)
        {
            if (!Asset.TryCreate(symbol, out var asset, out var error))
            {
                throw new ArgumentException($"{options}.{property}: {error}", ParamName);
            }

            var problem = value is null ? "is missing" : check(value);
            if (problem is not null)
            {
                throw new ArgumentException($"{options}.{property}[{symbol}]: {problem}", ParamName);
            }

            assets[asset] = value;
        }

        return assets;
    }

    /// <summary>Why <paramref name="name"/> is not a venue symbol of ASCII letters, digits and <paramref name="allowed"/>, or null.</summary>
    public static string? VenueSymbol(string? name, string allowed)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "must not be empty";
        }

        var bad = name.FirstOrDefault(c => !char.IsAsciiLetterOrDigit(c) && !allowed.Contains(c, StringComparison.Ordinal));
        return bad == default ? null : $"'{name}' has the character '{bad}'; only ASCII letters, digits{(allowed.Length == 0 ? string.Empty : " and " + string.Join(' ', allowed.ToCharArray()))} are allowed";
    }
}
