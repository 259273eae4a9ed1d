using System.Net;
using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Margin.Infrastructure.Composition;
using Margin.Infrastructure.Queues;
using Margin.Infrastructure.Stress;
using Margin.Infrastructure.Tests.Azurite;
using Margin.Testing.Functions;
using MarginFunctions.Tests.Packaging;

namespace MarginFunctions.Tests.Processes;

/// <summary>
/// The published handler as a real process against its own Azurite, with a seeded book and a price snapshot that the
/// handler's RefreshPrices wrote (a past-due timer, as in <see cref="FunctionsWorld"/>): what a book stress needs. The
/// subclasses differ in the book's size and in what they do once the handler runs.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "xunit ends a fixture through IAsyncLifetime.DisposeAsync, which disposes them.")]
public abstract class StressWorld : IAsyncLifetime
{
    private readonly PackagedFunctionApp _package = new();
    private AzuriteInstance? _azurite;
    private HandlerProcess? _handler;
    private MarginStorage? _storage;

    /// <summary>How many accounts the book has.</summary>
    public abstract int Accounts { get; }

    public AzuriteInstance Azurite => _azurite ?? throw new InvalidOperationException("not initialized");

    public HandlerProcess Handler => _handler ?? throw new InvalidOperationException("not initialized");

    public MarginStorage Storage => _storage ?? throw new InvalidOperationException("not initialized");

    /// <summary>The margin-stress queue, read raw (base64 bodies, as the host's trigger reads them).</summary>
    public QueueClient StressQueue => new(Azurite.ConnectionString, StorageStressQueue.QueueName);

    /// <summary>The margin-stress-poison queue, read raw.</summary>
    public QueueClient StressPoison => new(Azurite.ConnectionString, StorageStressQueue.PoisonQueueName);

    /// <summary>The stressruns table, read raw.</summary>
    public TableClient StressTable => new(Azurite.ConnectionString, TableStressRunStore.TableName);

    public async Task InitializeAsync()
    {
        await _package.InitializeAsync();
        _azurite = new AzuriteInstance();
        _storage = MarginStorage.Create(new StorageOptions { ConnectionString = Azurite.ConnectionString, Partitions = FunctionsWorld.Partitions });
        await Storage.EnsureCreatedAsync();
        var root = PackagedFunctionApp.RepositoryRoot;
        var parameters = await BookSeeder.ImportParametersAsync(Storage, await File.ReadAllTextAsync(Path.Combine(root, "examples", "demo", "parameters.json")));
        await BookSeeder.SeedAsync(Storage, parameters, await File.ReadAllTextAsync(Path.Combine(root, "examples", "demo", "market.json")), Accounts, seed: 7);
        _handler = await HandlerProcess.StartPublishedAsync(_package.AppRoot, FunctionsWorld.Settings(Azurite.ConnectionString));
        var refreshed = await Handler.InvokeAsync("RefreshPrices", HostPayloads.Timer("RefreshPrices", DateTimeOffset.UtcNow, isPastDue: true));
        if (!refreshed.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"RefreshPrices answered {refreshed.StatusCode}: {refreshed.Body}");
        }

        await StartedAsync();
    }

    /// <summary>What the world does once the handler runs and a snapshot exists.</summary>
    protected virtual Task StartedAsync() => Task.CompletedTask;

    /// <summary>A GET or POST on the handler's HTTP API (the path the host forwards: /api/...).</summary>
    public async Task<StressHttpAnswer> HttpAsync(HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await Handler.SendAsync(request);
        return new StressHttpAnswer(response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Location?.OriginalString, response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Takes the run's message off margin-stress as the host's trigger does (invisible for 5 minutes; base64 decoded); another run's message met on the way stays invisible too.</summary>
    public async Task<(HostQueueMessage Message, string RawBody)> ReceiveStressMessageAsync(string runId)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            foreach (var m in (await StressQueue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value)
            {
                var now = DateTimeOffset.UtcNow;
                var raw = m.Body.ToString();
                var body = Encoding.UTF8.GetString(Convert.FromBase64String(raw));
                if (body.Contains($"\"{runId}\"", StringComparison.Ordinal))
                {
                    return (new HostQueueMessage(body, m.MessageId, m.PopReceipt, m.DequeueCount, m.InsertedOn ?? now, m.ExpiresOn ?? now.AddDays(7), m.NextVisibleOn ?? now), raw);
                }
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException($"no message for run {runId} on {StorageStressQueue.QueueName}");
    }

    /// <summary>Invokes RunStress with the host's exact queue payload.</summary>
    public Task<HandlerResponse> RunStressAsync(HostQueueMessage message) =>
        Handler.InvokeAsync("RunStress", HostPayloads.StorageQueue(message, DateTimeOffset.UtcNow, functionName: "RunStress"));

    /// <summary>A queue message with this body, as the host would hand it over on its <paramref name="dequeueCount"/>-th delivery.</summary>
    public static HostQueueMessage QueueMessage(string body, long dequeueCount = 1, string? id = null)
    {
        var now = DateTimeOffset.UtcNow;
        return new HostQueueMessage(body, id ?? "msg-" + Guid.NewGuid().ToString("N"), "receipt", dequeueCount, now, now.AddDays(7), now);
    }

    /// <summary>Every row of the stressruns table (records, results and the listing index).</summary>
    public async Task<List<TableEntity>> StressRowsAsync()
    {
        var rows = new List<TableEntity>();
        await foreach (var row in StressTable.QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>How many messages margin-stress holds, visible or not.</summary>
    public async Task<int> StressMessageCountAsync() => (await StressQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount;

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

/// <summary>An HTTP answer of the handler: status, body, Location header and media type.</summary>
public sealed record StressHttpAnswer(HttpStatusCode Status, string Body, string? Location, string? MediaType);

/// <summary>A book of 500 accounts and one stress run taken through the whole path once: POST api/stress, the message taken off margin-stress, RunStress with the host's payload, GET api/stress/{id}.</summary>
public sealed class StressRunWorld : StressWorld
{
    /// <summary>The accepted run's scenario.</summary>
    public const string Scenario = "BTC=-25%,ETH=-30%,alts=-45%";

    public override int Accounts => 500;

    public StressHttpAnswer Posted { get; private set; } = null!;

    public HostQueueMessage Message { get; private set; } = null!;

    public string RawMessage { get; private set; } = null!;

    public int RowsBeforeRun { get; private set; }

    public HandlerResponse Ran { get; private set; } = null!;

    public StressHttpAnswer Status { get; private set; } = null!;

    protected override async Task StartedAsync()
    {
        Posted = await HttpAsync(HttpMethod.Post, "api/stress", $$"""{"scenario":"{{Scenario}}","maxRounds":10}""");
        if (Posted.Status != HttpStatusCode.Accepted)
        {
            // The facts below say what went wrong; an exception here would hide the answer behind a fixture failure.
            return;
        }

        using (var accepted = System.Text.Json.JsonDocument.Parse(Posted.Body))
        {
            (Message, RawMessage) = await ReceiveStressMessageAsync(accepted.RootElement.GetProperty("runId").GetString()!);
        }

        RowsBeforeRun = (await StressRowsAsync()).Count;
        Ran = await RunStressAsync(Message);
        if (Ran.IsSuccessStatusCode)
        {
            await StressQueue.DeleteMessageAsync(Message.Id, Message.PopReceipt);
        }

        Status = await HttpAsync(HttpMethod.Get, Posted.Location ?? "api/stress/none");
    }
}

/// <summary>A small book whose tests break storage under a run: one world per test class, so nothing else sees it.</summary>
public sealed class StressFailureWorld : StressWorld
{
    public override int Accounts => 60;
}
