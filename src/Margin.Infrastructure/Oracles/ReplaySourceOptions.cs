namespace Margin.Infrastructure.Oracles;

/// <summary>The options of <see cref="ReplaySource"/>: the JSON Lines file of timestamped prices to replay.</summary>
public sealed record ReplaySourceOptions
{
    /// <summary>The source id of the quotes (default <c>replay</c>).</summary>
    public string SourceId { get; init; } = "replay";

    /// <summary>The file: one JSON object per line, <c>{"time": ..., "asset": ..., "price": ..., "confidence": ...}</c> (docs/oracles.md).</summary>
    public string Path { get; init; } = string.Empty;
}
