using System.Globalization;
using System.Text.Json;
using Margin.Engine.Domain;
using Margin.Sweep.Ports;

namespace Margin.Infrastructure.Oracles;

/// <summary>Pyth prices from Hermes: <c>GET /v2/updates/price/latest?ids[]=...&amp;parsed=true</c>, one request for every asset.</summary>
/// <remarks>
/// From each <c>parsed[]</c> entry's <c>price</c>: price = <c>price</c> x 10^<c>expo</c> and confidence = <c>conf</c> x
/// 10^<c>expo</c>, exactly in decimal (the integers are scaled, never multiplied through a double); the publish time is
/// <c>publish_time</c> (Unix seconds). <c>ema_price</c> is not used. The request asks Hermes to ignore invalid ids
/// (<c>ignore_invalid_price_ids=true</c>), so an unknown feed is a problem of its asset, not a failure of the request.
/// docs/oracles.md has the error mapping.
/// </remarks>
public sealed class PythHermesSource : IOracleSource
{
    private const string Options = nameof(PythHermesOptions);

    private readonly HttpClient _http;
    private readonly Uri _baseAddress;
    private readonly Dictionary<Asset, string> _feeds;

    /// <summary>Creates the source over a typed <paramref name="httpClient"/> (its <c>Timeout</c> is the request's timeout).</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public PythHermesSource(HttpClient httpClient, PythHermesOptions options)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        _http = httpClient;
        SourceId = OracleOptionsCheck.SourceId(options.SourceId, Options);
        _baseAddress = OracleOptionsCheck.BaseAddress(options.BaseAddress, Options);
        _feeds = OracleOptionsCheck.Assets(options.Feeds, Options, nameof(options.Feeds), id => Normalize(id) is null ? $"'{id}' is not a feed id: 64 hexadecimal digits, with or without 0x" : null)
            .ToDictionary(kv => kv.Key, kv => Normalize(kv.Value)!);
    }

    /// <inheritdoc/>
    public string SourceId { get; }

    /// <inheritdoc/>
    public async Task<OracleFetch> FetchAsync(IReadOnlyList<Asset> assets, CancellationToken cancellationToken = default)
    {
        var fetch = new OracleFetchBuilder(SourceId, assets, "Hermes' answer has no entry for its feed (an unknown or invalid feed id)");
        var owners = fetch.GroupByVenueKey(a => _feeds.TryGetValue(a, out var id) ? id : null, a => $"no Pyth feed id is configured for {a} ({Options}.Feeds)");

        if (owners.Count == 0)
        {
            return fetch.Build();
        }

        var query = string.Join('&', owners.Keys.Select(id => "ids[]=" + id)) + "&parsed=true&ignore_invalid_price_ids=true";
        var response = await OracleHttp.GetAsync(_http, SourceId, new Uri(_baseAddress, "v2/updates/price/latest?" + query), cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccess)
        {
            throw response.StatusFailure();
        }

        using var json = response.ParseJson();
        if (json.RootElement.ValueKind != JsonValueKind.Object
            || !json.RootElement.TryGetProperty("parsed", out var parsed)
            || parsed.ValueKind != JsonValueKind.Array)
        {
            throw response.ShapeFailure("it has no 'parsed' array");
        }

        foreach (var entry in parsed.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("id", out var idElement) || idElement.ValueKind != JsonValueKind.String)
            {
                throw response.ShapeFailure("an entry of 'parsed' has no 'id' string");
            }

            if (Normalize(idElement.GetString()) is not { } id || !owners.TryGetValue(id, out var feedOwners))
            {
                continue; // Not a feed that was asked for.
            }

            var read = TryRead(entry, out var price, out var confidence, out var publishTime, out var problem);
            foreach (var asset in feedOwners)
            {
                if (read)
                {
                    fetch.Quote(asset, price, confidence, publishTime, $"feed {id}");
                }
                else
                {
                    fetch.Problem(asset, $"feed {id}: {problem}");
                }
            }
        }

        return fetch.Build();
    }

    /// <summary>Reads <c>price{price, conf, expo, publish_time}</c> of one entry.</summary>
    private static bool TryRead(JsonElement entry, out decimal price, out decimal confidence, out DateTimeOffset publishTime, out string? problem)
    {
        price = confidence = 0m;
        publishTime = default;
        if (!OracleValues.TryProperty(entry, "price", out var quote, out problem)
            || !OracleValues.TryProperty(quote, "price", out var priceElement, out problem)
            || !OracleValues.TryProperty(quote, "conf", out var confElement, out problem)
            || !OracleValues.TryProperty(quote, "expo", out var expoElement, out problem)
            || !OracleValues.TryProperty(quote, "publish_time", out var timeElement, out problem))
        {
            problem = $"malformed entry: price.{problem}";
            return false;
        }

        if (expoElement.ValueKind != JsonValueKind.Number || !expoElement.TryGetInt32(out var expo))
        {
            problem = $"malformed entry: price.expo must be an integer (got {expoElement.GetRawText()})";
            return false;
        }

        if (!TryScaled(priceElement, expo, "price.price", out price, out problem) || !TryScaled(confElement, expo, "price.conf", out confidence, out problem))
        {
            problem = $"malformed entry: {problem}";
            return false;
        }

        if (timeElement.ValueKind != JsonValueKind.Number || !timeElement.TryGetInt64(out var seconds)
            || seconds < DateTimeOffset.MinValue.ToUnixTimeSeconds() || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            problem = $"malformed entry: price.publish_time must be Unix seconds (got {timeElement.GetRawText()})";
            return false;
        }

        publishTime = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }

    /// <summary>The integer string <paramref name="element"/> x 10^<paramref name="expo"/>, exactly: the exponent becomes the decimal's scale.</summary>
    internal static bool TryScaled(JsonElement element, int expo, string field, out decimal value, out string? problem)
    {
        value = 0m;
        var text = element.ValueKind == JsonValueKind.String ? element.GetString()! : null;
        var digits = text is not null && text.StartsWith('-') ? text[1..] : text;
        if (digits is null || digits.Length is 0 or > 28 || !digits.All(char.IsAsciiDigit))
        {
            problem = $"{field} must be a string of an integer of at most 28 digits (got {element.GetRawText()})";
            return false;
        }

        var integer = decimal.Parse(text!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        if (expo <= 0)
        {
            if (expo < -28)
            {
                problem = string.Create(CultureInfo.InvariantCulture, $"{field}: the exponent {expo} is below -28, beyond a decimal's precision");
                return false;
            }

            // decimal holds a 96-bit integer and a power-of-ten scale: setting the scale to -expo is the exact product.
            var bits = decimal.GetBits(integer);
            value = new decimal(bits[0], bits[1], bits[2], integer < 0m, checked((byte)-expo));
            problem = null;
            return true;
        }

        try
        {
            value = integer;
            for (var i = 0; i < expo; i++)
            {
                value *= 10m;
            }
        }
        catch (OverflowException)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"{field} x 10^{expo} exceeds the largest decimal");
            return false;
        }

        problem = null;
        return true;
    }

    /// <summary>The feed id in lowercase without <c>0x</c>, or null when it is not 64 hexadecimal digits.</summary>
    private static string? Normalize(string? feedId)
    {
        var hex = feedId is not null && feedId.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? feedId[2..] : feedId;
        if (hex is null || hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
        {
            return null;
        }

        return string.Create(hex.Length, hex, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.ToLowerInvariant(source[i]);
            }
        });
    }
}
