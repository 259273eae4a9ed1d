namespace Margin.Testing.Browser;

/// <summary>Something a page reported that a clean page does not: a console error or warning, an uncaught exception, a log error.</summary>
/// <param name="Kind">Where it came from: <c>console.error</c>, <c>console.warning</c>, <c>console.assert</c>, <c>exception</c>, <c>log.error</c> or <c>crash</c>.</param>
/// <param name="Text">The message, with the source URL and line when Chromium gave them.</param>
public sealed record BrowserProblem(string Kind, string Text)
{
    /// <inheritdoc />
    public override string ToString() => $"{Kind}: {Text}";
}
