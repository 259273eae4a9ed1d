using Margin.Infrastructure.Composition;
using Margin.Engine.Stress;
using Margin.Infrastructure.Reports;
using Margin.Infrastructure.ServiceBus;
using Margin.Infrastructure.Stress;
using Margin.Sweep.Ports;
using Margin.Sweep.UseCases;

namespace MarginFunctions.Hosting;

/// <summary>The composition root: the settings, the stores, Service Bus and the use cases, built once per process and shared by every invocation.</summary>
/// <remarks>Nothing connects at start (the host gives the handler 30 s to answer <c>GET /</c>): storage clients connect on first use, and Service Bus when the first order is published.</remarks>
internal sealed class MarginApp : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly Lock _gate = new();
    private Task? _created;

    private MarginApp(MarginConfiguration settings, FunctionsOptions functions, IReadOnlyList<IOracleSource> sources, Margin.Sweep.Options.PriceRefreshOptions prices, HttpClient http, TimeProvider time)
    {
        Settings = settings;
        Functions = functions;
        Time = time;
        _http = http;
        Storage = MarginStorage.Create(settings.Storage);
        Bus = ServiceBusComposition.Connect(settings.ServiceBus, time);
        Publisher = ServiceBusComposition.Publisher(Bus, time);
        Models = new MarginModelCache(Storage.Snapshots, Storage.Parameters);
        RefreshPrices = new RefreshPrices(sources, Storage.Snapshots, Storage.PriceHistory, Storage.Parameters, prices, time);
        StartSweep = new StartSweep(Storage.Snapshots, Storage.Parameters, Storage.Sweeps, Storage.WorkQueue, Storage.Accounts, settings.Sweep, time);
        ProcessShard = new ProcessShard(Storage.Accounts, Storage.Margin, Storage.History, Storage.Sweeps, Publisher, Models, settings.Sweep, time);
        RelayOutbox = new RelayOutbox(Storage.Margin, Publisher, Models, time);
        RecordEvent = new RecordLiquidationEvent(Storage.Margin, settings.Sweep, time);

        // Accepted runs go on margin-stress (POST api/stress); RunStress executes them with the sweep's planner settings.
        Stress = StressServices.Create(Storage, settings.Sweep, new FileScenarioCatalog(), time, new StressOptions(), enqueue: true);
        Reports = new ReportBuilder(Storage.Accounts, Storage.Margin, Storage.Sweeps, Storage.Snapshots, Storage.Parameters, Storage.StressRuns, time);
        OracleSourceCount = sources.Count;
    }

    public MarginConfiguration Settings { get; }

    public FunctionsOptions Functions { get; }

    public TimeProvider Time { get; }

    public MarginStorage Storage { get; }

    /// <summary>The Service Bus connection, or null when Service Bus is not configured (orders stay in the outbox).</summary>
    public ServiceBusConnection? Bus { get; }

    public IOrderPublisher Publisher { get; }

    public MarginModelCache Models { get; }

    public RefreshPrices RefreshPrices { get; }

    public StartSweep StartSweep { get; }

    public ProcessShard ProcessShard { get; }

    public RelayOutbox RelayOutbox { get; }

    public RecordLiquidationEvent RecordEvent { get; }

    /// <summary>Book stress: the scenario catalog (<c>scenarios/</c> beside the executable), the request check, StartStress (enqueues on <c>margin-stress</c>) and RunStress.</summary>
    public StressServices Stress { get; }

    /// <summary>One stress run at a time in this process: each holds a whole book in memory and uses every core, and the host's queue trigger may deliver up to batchSize + newBatchThreshold (6) messages at once.</summary>
    public SemaphoreSlim StressGate { get; } = new(1, 1);

    /// <summary>The sweep and stress reports (<c>GET api/report/...</c>).</summary>
    public ReportBuilder Reports { get; }

    public int OracleSourceCount { get; }

    /// <summary>Reads and validates the settings (environment variables: the function app's settings) and builds the app.</summary>
    /// <exception cref="ArgumentException">A setting is invalid; the message names every problem.</exception>
    public static MarginApp Create(IReadOnlyDictionary<string, string?> environment, TimeProvider time)
    {
        var configuration = MarginConfiguration.Build(jsonFile: null, environment);
        var settings = MarginConfiguration.Read(configuration, out var shared);
        FunctionsOptions functions;
        try
        {
            functions = configuration.GetSection(FunctionsOptions.Section).Get<FunctionsOptions>() ?? new FunctionsOptions();
        }
        catch (InvalidOperationException ex)
        {
            throw new ArgumentException(ex.InnerException is { } inner ? $"{ex.Message} {inner.Message}" : ex.Message, ex);
        }

        var problems = shared.Concat(functions.Problems()).ToList();
        if (functions.Telemetry.Equals("azuremonitor", StringComparison.OrdinalIgnoreCase) && string.IsNullOrWhiteSpace(environment.GetValueOrDefault(Telemetry.ConnectionStringSetting)))
        {
            problems.Add($"{FunctionsOptions.Section}:Telemetry is azuremonitor but {Telemetry.ConnectionStringSetting} is not set");
        }

        if (settings.Storage.Prefix.Length > 0)
        {
            problems.Add($"Storage:Prefix must be empty in the function app (got '{settings.Storage.Prefix}'): the queue triggers' function.json files name the queues margin-shards and margin-stress");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems));
        }

        var http = new HttpClient { Timeout = settings.Prices.SourceTimeout };
        try
        {
            var (sources, prices) = OracleSources.Create(settings.Oracles, settings.Prices, http, time);
            return new MarginApp(settings, functions, sources, prices, http, time);
        }
        catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException)
        {
            http.Dispose();
            throw new ArgumentException($"invalid oracle source settings: {ex.Message}", ex);
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }

    // The tables and queues exist in Azure (infra/main.bicep creates them); locally (Azurite) the first invocation creates them.
    /// <summary>Creates the tables and queues once per process (idempotent; after a failure the next call tries again).</summary>
    public Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(Settings.Storage.ConnectionString))
        {
            // In Azure (endpoints and a managed identity) infra/main.bicep creates them, and the identity's roles are scoped
            // to data, not to creating queues: nothing to do.
            return Task.CompletedTask;
        }

        Task created;
        lock (_gate)
        {
            if (_created is null || _created.IsFaulted || _created.IsCanceled)
            {
                _created = Storage.EnsureCreatedAsync(CancellationToken.None);
            }

            created = _created;
        }

        return created.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Publisher is IAsyncDisposable publisher)
        {
            await publisher.DisposeAsync().ConfigureAwait(false);
        }

        if (Bus is not null)
        {
            await Bus.DisposeAsync().ConfigureAwait(false);
        }

        _http.Dispose();
        StressGate.Dispose();
    }
}
