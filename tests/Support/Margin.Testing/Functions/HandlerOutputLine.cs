namespace Margin.Testing.Functions;

/// <summary>One line the handler wrote, with the stream and when (since the process started).</summary>
public sealed record HandlerOutputLine(bool IsError, TimeSpan At, string Text)
{
    public override string ToString() => $"{(IsError ? "err" : "out")} +{At.TotalSeconds:F3}s {Text}";
}
