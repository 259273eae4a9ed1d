using System.Globalization;
using System.Text.Json;
using Margin.Engine.Domain;
using Margin.Infrastructure.Documents;
using Margin.Sweep.Ports;

namespace Margin.Infrastructure.Oracles;

/// <summary>Replays a file of timestamped prices: at the time provider's now, each asset's latest line at or before now.</summary>
/// <remarks>
/// The file is JSON Lines, read once: one object per line, <c>{"time":"2026-11-24T12:00:00Z","asset":"BTC","price":"65000.5","confidence":"12.5"}</c>;
/// <c>time</c> is ISO 8601 with an offset, <c>price</c> and the optional <c>confidence</c> (default 0) are exact decimals
/// written as JSON numbers or strings; blank lines are skipped; lines need not be in time order. A line that is not such an
/// object, has another field, or repeats an asset's time fails the load with the file name and the line number. The publish
/// time of a quote is its line's time. A line whose price is not positive (or whose confidence is negative) is replayed as
/// a problem of its asset, naming the line, so a file can stage a broken feed.
/// </remarks>
public sealed class ReplaySource : IOracleSource
{
    private static readonly string[] s_fields = ["time", "asset", "price", "confidence"];

    private readonly string _name;
    private readonly TimeProvider _time;
    private readonly Dictionary<Asset, Line[]> _lines;

    private ReplaySource(string sourceId, string name, Dictionary<Asset, Line[]> lines, TimeProvider time)
    {
        SourceId = sourceId;
        _name = name;
        _lines = lines;
        _time = time;
    }

    /// <inheritdoc/>
    public string SourceId { get; }

    /// <summary>Reads the file of <paramref name="options"/> once.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="InvalidDataException">A line is invalid; the message names the file and the line.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ReplaySource Load(ReplaySourceOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            throw new ArgumentException($"{nameof(ReplaySourceOptions)}.Path must name the replay file", nameof(options));
        }

        using var reader = new StreamReader(options.Path);
        return Read(OracleOptionsCheck.SourceId(options.SourceId, nameof(ReplaySourceOptions)), options.Path, reader, timeProvider);
    }

    /// <summary>Reads replay lines from <paramref name="reader"/>; <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">A line is invalid; the message names <paramref name="name"/> and the line.</exception>
    public static ReplaySource Read(string sourceId, string name, TextReader reader, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(timeProvider);
        OracleOptionsCheck.SourceId(sourceId, nameof(ReplaySourceOptions));
        var byAsset = new Dictionary<Asset, Dictionary<DateTimeOffset, Line>>();
        var number = 0;
        while (reader.ReadLine() is { } text)
        {
            number++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var (asset, line) = Parse(text, number, name);
            if (!byAsset.TryGetValue(asset, out var lines))
            {
                byAsset[asset] = lines = [];
            }

            if (!lines.TryAdd(line.Time, line))
            {
                throw Error(name, number, $"{asset} at {line.Time:O} is already on line {lines[line.Time].Number}");
            }
        }

        if (byAsset.Count == 0)
        {
            throw new InvalidDataException($"replay file '{name}' has no price lines");
        }

        return new ReplaySource(sourceId, name, byAsset.ToDictionary(kv => kv.Key, kv => kv.Value.Values.OrderBy(l => l.Time).ToArray()), timeProvider);
    }

    /// <inheritdoc/>
    public Task<OracleFetch> FetchAsync(IReadOnlyList<Asset> assets, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var now = _time.GetUtcNow();
        var fetch = new OracleFetchBuilder(SourceId, assets, $"replay file '{_name}' has no line for it");
        foreach (var asset in fetch.Assets)
        {
            if (!_lines.TryGetValue(asset, out var lines))
            {
                fetch.Problem(asset, $"replay file '{_name}' has no line for {asset}");
            }
            else if (Latest(lines, now) is { } line)
            {
                fetch.Quote(asset, line.Price, line.Confidence, line.Time, $"replay file '{_name}' line {line.Number}");
            }
            else
            {
                fetch.Problem(asset, $"replay file '{_name}' has no line for {asset} at or before {now:O} (its first is at {lines[0].Time:O})");
            }
        }

        return Task.FromResult(fetch.Build());
    }

    /// <summary>The last line at or before <paramref name="now"/> of lines in time order, or null.</summary>
    private static Line? Latest(Line[] lines, DateTimeOffset now)
    {
        var (low, high) = (0, lines.Length - 1);
        Line? latest = null;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            if (lines[middle].Time <= now)
            {
                latest = lines[middle];
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return latest;
    }

    private static (Asset Asset, Line Line) Parse(string text, int number, string name)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(text);
        }
        catch (JsonException ex)
        {
            throw Error(name, number, $"not JSON: {ex.Message}", ex);
        }

        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Error(name, number, $"a line must be a JSON object (got {NumberText.Describe(root)})");
            }

            if (root.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => !s_fields.Contains(n, StringComparer.Ordinal)) is { } unknown)
            {
                throw Error(name, number, $"the field '{unknown}' is not one of {string.Join(", ", s_fields)}");
            }

            if (!OracleValues.TryProperty(root, "time", out var timeElement, out var problem)
                || !OracleValues.TryTime(timeElement, "time", out var time, out problem))
            {
                throw Error(name, number, problem!);
            }

            if (!root.TryGetProperty("asset", out var assetElement) || assetElement.ValueKind != JsonValueKind.String)
            {
                throw Error(name, number, "'asset' must be a string");
            }

            if (!Asset.TryCreate(assetElement.GetString(), out var asset, out var error))
            {
                throw Error(name, number, error);
            }

            if (!OracleValues.TryProperty(root, "price", out var priceElement, out problem)
                || !OracleValues.TryDecimal(priceElement, "price", out var price, out problem))
            {
                throw Error(name, number, problem!);
            }

            var confidence = 0m;
            if (root.TryGetProperty("confidence", out var confidenceElement) && !OracleValues.TryDecimal(confidenceElement, "confidence", out confidence, out problem))
            {
                throw Error(name, number, problem!);
            }

            return (asset, new Line(number, time.ToUniversalTime(), price, confidence));
        }
    }

    private static InvalidDataException Error(string name, int number, string what, Exception? inner = null) =>
        new(string.Create(CultureInfo.InvariantCulture, $"replay file '{name}' line {number}: {what}"), inner);

    private sealed record Line(int Number, DateTimeOffset Time, decimal Price, decimal Confidence);
}
