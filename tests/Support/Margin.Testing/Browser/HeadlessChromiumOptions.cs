namespace Margin.Testing.Browser;

/// <summary>How <see cref="HeadlessChromium"/> starts Chromium and how long it waits for it.</summary>
public sealed record HeadlessChromiumOptions
{
    /// <summary>How long Chromium may take to write its DevTools port and answer (generous: a loaded 2-core machine is slow).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one DevTools command, or a page load, may take.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long Chromium gets to exit after SIGTERM before its process group gets SIGKILL.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The viewport width in CSS pixels (also the screenshot's width).</summary>
    public int ViewportWidth { get; init; } = 1280;

    /// <summary>The viewport height in CSS pixels (a full-page screenshot is as tall as the page).</summary>
    public int ViewportHeight { get; init; } = 900;
}
