using System.Net;
using System.Text;
using Azure.Storage.Queues;
using Margin.Infrastructure.Composition;
using Margin.Infrastructure.Queues;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Testing.Functions;
using MarginFunctions.Tests.Packaging;

namespace MarginFunctions.Tests.Processes;

/// <summary>
/// The published handler as a real process against its own Azurite, with a seeded book, driven through one sweep with the
/// host's exact payloads: RefreshPrices as a past-due timer, StartSweep on time, then every work item taken from the real
/// queue (base64, as StartSweep wrote it), decoded as the host does and POSTed with the body JSON-encoded twice and
/// DequeueCount as a string. The tests assert on the answers kept here and on what Azurite holds.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "xunit ends a fixture through IAsyncLifetime.DisposeAsync, which disposes them.")]
public sealed class FunctionsWorld : IAsyncLifetime
{
    public const int Accounts = 1_200;
    public const int Partitions = 16;
    public const int WorkItems = 4;

    /// <summary>Requests above this many bytes are refused (the handler's setting, small here so that the limit is cheap to test).</summary>
    public const int MaxRequestBytes = 64 * 1024;

    private readonly PackagedFunctionApp _package = new();
    private AzuriteInstance? _azurite;
    private HandlerProcess? _handler;
    private MarginStorage? _storage;

    public AzuriteInstance Azurite => _azurite ?? throw new InvalidOperationException("not initialized");

    public HandlerProcess Handler => _handler ?? throw new InvalidOperationException("not initialized");

    public MarginStorage Storage => _storage ?? throw new InvalidOperationException("not initialized");

    public HandlerResponse RefreshPrices { get; private set; } = null!;

    public HandlerResponse StartSweep { get; private set; } = null!;

    public List<HandlerResponse> ProcessShards { get; } = [];

    public List<HostQueueMessage> WorkItemMessages { get; } = [];

    public async Task InitializeAsync()
    {
        await _package.InitializeAsync();
        _azurite = new AzuriteInstance();
        _storage = MarginStorage.Create(new StorageOptions { ConnectionString = Azurite.ConnectionString, Partitions = Partitions });
        await Storage.EnsureCreatedAsync();
        var root = PackagedFunctionApp.RepositoryRoot;
        var parameters = await BookSeeder.ImportParametersAsync(Storage, await File.ReadAllTextAsync(Path.Combine(root, "examples", "demo", "parameters.json")));
        await BookSeeder.SeedAsync(Storage, parameters, await File.ReadAllTextAsync(Path.Combine(root, "examples", "demo", "market.json")), Accounts, seed: 3);
        _handler = await HandlerProcess.StartPublishedAsync(_package.AppRoot, Settings(Azurite.ConnectionString));

        var now = DateTimeOffset.UtcNow;
        RefreshPrices = await Handler.InvokeAsync("RefreshPrices", HostPayloads.Timer("RefreshPrices", now, isPastDue: true));
        StartSweep = await Handler.InvokeAsync("StartSweep", HostPayloads.Timer("StartSweep", now, isPastDue: false, new TimerScheduleStatus(now.AddMinutes(-5), now.AddMinutes(5), now.AddMinutes(-5))));

        var queue = new QueueClient(Azurite.ConnectionString, StorageWorkQueue.QueueName);
        for (var attempt = 0; attempt < 3 && WorkItemMessages.Count < WorkItems; attempt++)
        {
            foreach (var m in (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value)
            {
                // The host's messageEncoding base64: the handler gets the decoded text.
                var message = new HostQueueMessage(Encoding.UTF8.GetString(Convert.FromBase64String(m.Body.ToString())), m.MessageId, m.PopReceipt, m.DequeueCount, m.InsertedOn ?? now, m.ExpiresOn ?? now.AddDays(7), m.NextVisibleOn ?? now);
                WorkItemMessages.Add(message);
                var response = await Handler.InvokeAsync("ProcessShard", HostPayloads.StorageQueue(message, DateTimeOffset.UtcNow));
                ProcessShards.Add(response);
                if (response.IsSuccessStatusCode)
                {
                    await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt);
                }
            }
        }
    }

    /// <summary>The app settings the handler runs with: Azurite, a small deployment, the demo market, no telemetry export.</summary>
    public static Dictionary<string, string?> Settings(string storage) => new(StringComparer.Ordinal)
    {
        ["AzureWebJobsStorage"] = storage,
        ["MARGIN_STORAGE"] = null,
        ["MARGIN_Storage__Partitions"] = Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["MARGIN_Sweep__WorkItems"] = WorkItems.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["MARGIN_Oracles__Sources__0__Type"] = "demo-market",
        ["MARGIN_Oracles__Sources__0__Market"] = "examples/demo/market.json",
        ["MARGIN_Functions__Telemetry"] = "none",
        ["MARGIN_Functions__MaxRequestBytes"] = MaxRequestBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["MARGIN_Functions__MaxEvaluateBytes"] = (4 * MaxRequestBytes).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ServiceBusConnection"] = null,
        ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = null,
    };

    /// <summary>A GET or POST on the handler's HTTP API (the path the host forwards: /api/...).</summary>
    public async Task<(HttpStatusCode Status, string Body)> HttpAsync(HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await Handler.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        if (_handler is not null)
        {
            await _handler.DisposeAsync();
        }

        _azurite?.Dispose();
        await _package.DisposeAsync();
    }
}
