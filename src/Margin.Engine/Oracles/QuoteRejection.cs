namespace Margin.Engine.Oracles;

/// <summary>The reason a quote was not used, as a code and a human-readable message with the numbers that decided it.</summary>
public sealed record QuoteRejection(QuoteRejectionReason Reason, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Reason}: {Message}";
}
