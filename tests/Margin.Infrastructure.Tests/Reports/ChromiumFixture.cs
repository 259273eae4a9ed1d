using Margin.Testing.Browser;

namespace Margin.Infrastructure.Tests.Reports;

/// <summary>One headless Chromium for every class of the <see cref="SharedChromium"/>, started once and stopped after them.</summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    private HeadlessChromium? _chromium;

    /// <summary>The running browser.</summary>
    public HeadlessChromium Chromium => _chromium ?? throw new InvalidOperationException("Chromium has not been started.");

    /// <summary>A temporary folder for the pages the tests write (deleted with the fixture).</summary>
    public string Pages { get; } = Directory.CreateTempSubdirectory("margin-report-pages-").FullName;

    public async Task InitializeAsync() => _chromium = await HeadlessChromium.StartAsync();

    public async Task DisposeAsync()
    {
        if (_chromium is not null)
        {
            await _chromium.DisposeAsync();
        }

        Directory.Delete(Pages, recursive: true);
    }
}

/// <summary>The test classes that share one Chromium (they run one after the other).</summary>
[CollectionDefinition(Name)]
public sealed class SharedChromium : ICollectionFixture<ChromiumFixture>
{
    public const string Name = "Headless Chromium";
}
