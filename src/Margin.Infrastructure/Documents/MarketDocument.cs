using System.Globalization;
using System.Text.Json;
using Margin.Engine.Domain;
using Margin.Sweep.Seeding;

namespace Margin.Infrastructure.Documents;

/// <summary>A reference market file (docs/demo.md, e.g. examples/demo/market.json): the time it describes and each asset's reference price, volatility and market loading.</summary>
public static class MarketDocument
{
    /// <summary>Reads a market file's text.</summary>
    /// <exception cref="InvalidDataException">The text is not a market document; the message names the field.</exception>
    public static (DateTimeOffset AsOf, IReadOnlyList<ReferenceAsset> Assets) Read(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var asOf = DateTimeOffset.Parse(root.GetProperty("asOf").GetString() ?? throw new InvalidDataException("asOf is null"), CultureInfo.InvariantCulture);
            var assets = new List<ReferenceAsset>();
            foreach (var asset in root.GetProperty("assets").EnumerateObject())
            {
                var price = asset.Value.GetProperty("price").GetString();
                if (!decimal.TryParse(price, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var p) || p <= 0m)
                {
                    throw new InvalidDataException($"assets.{asset.Name}.price: '{price}' is not a positive decimal string");
                }

                assets.Add(new ReferenceAsset(
                    Asset.Of(asset.Name),
                    p,
                    asset.Value.GetProperty("volatility").GetDouble(),
                    asset.Value.TryGetProperty("marketLoading", out var loading) ? loading.GetDouble() : 0.0));
            }

            return (asOf, assets);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"not a market document: {ex.Message}", ex);
        }
    }
}
