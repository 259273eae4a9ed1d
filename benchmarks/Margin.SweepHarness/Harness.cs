using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Margin.Infrastructure.Composition;
using Margin.Infrastructure.Storage;

namespace Margin.SweepHarness;

/// <summary>The run: its own Azurite, the ceiling, the seed, two sweeps, the report; Azurite is stopped on every way out (success, failure, Ctrl-C, SIGTERM, process exit).</summary>
internal static class Harness
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var (options, problems) = HarnessOptions.Parse(args);
        if (options is null)
        {
            foreach (var p in problems)
            {
                await error.WriteLineAsync($"sweep harness: {p}").ConfigureAwait(false);
            }

            return 2;
        }

        if (options.Help)
        {
            await output.WriteLineAsync(HarnessOptions.Usage).ConfigureAwait(false);
            return 0;
        }

        var root = options.Root ?? HarnessArgs.FindRoot("package.json");
        if (root is null)
        {
            await error.WriteLineAsync("sweep harness: no repository root (MarginFunctions.sln and package.json) above the current directory or the executable; pass --root").ConfigureAwait(false);
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        var guard = new ProcessGuard();
        void StopAzurite() => guard.StopAll();
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            // The first Ctrl-C stops the run cleanly (Azurite is stopped on the way out); a second ends the process.
            e.Cancel = !cancel.IsCancellationRequested;
            cancel.Cancel();
            if (!e.Cancel)
            {
                StopAzurite();
            }
        }

        void OnExit(object? sender, EventArgs e) => StopAzurite();
        Console.CancelKeyPress += OnCancel;
        AppDomain.CurrentDomain.ProcessExit += OnExit;
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            cancel.Cancel();
        });
        try
        {
            var venue = DemoVenue.Load(root);
            if (options.Stress)
            {
                var stress = await StressBench.RunAsync(options, root, venue, guard, output, cancel.Token).ConfigureAwait(false);
                StopAzurite();
                await output.WriteLineAsync().ConfigureAwait(false);
                stress.Write(output);
                if (options.JsonPath is { } stressPath)
                {
                    await File.WriteAllTextAsync(stressPath, JsonSerializer.Serialize(stress, HarnessJsonContext.Default.StressReport), CancellationToken.None).ConfigureAwait(false);
                    await output.WriteLineAsync($"report written to {stressPath}").ConfigureAwait(false);
                }

                return 0;
            }

            if (options.Via is not null)
            {
                var comparison = await HandlerComparison.RunAsync(options, root, venue, output, guard, cancel.Token).ConfigureAwait(false);
                await output.WriteLineAsync().ConfigureAwait(false);
                comparison.Write(output);
                if (options.JsonPath is { } comparisonPath)
                {
                    await File.WriteAllTextAsync(comparisonPath, JsonSerializer.Serialize(comparison, HarnessJsonContext.Default.ComparisonReport), CancellationToken.None).ConfigureAwait(false);
                    await output.WriteLineAsync($"report written to {comparisonPath}").ConfigureAwait(false);
                }

                return 0;
            }

            await output.WriteLineAsync($"sweep harness: starting Azurite from {root}/node_modules").ConfigureAwait(false);
            var azurite = AzuriteProcess.Start(root);
            guard.TrackAzurite(azurite);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  Azurite pid {azurite.Pid}, queue port {azurite.QueuePort}, table port {azurite.TablePort}")).ConfigureAwait(false);
            var report = await MeasureAsync(options, root, venue, azurite, output, cancel.Token).ConfigureAwait(false);
            await output.WriteLineAsync().ConfigureAwait(false);
            report.Write(output);
            if (options.JsonPath is { } path)
            {
                await File.WriteAllTextAsync(path, JsonSerializer.Serialize(report, HarnessJsonContext.Default.HarnessReport), CancellationToken.None).ConfigureAwait(false);
                await output.WriteLineAsync($"report written to {path}").ConfigureAwait(false);
            }

            return 0;
        }
        catch (Exception ex) when (cancel.IsCancellationRequested && ex is OperationCanceledException or Azure.RequestFailedException or HttpRequestException or InvalidOperationException)
        {
            // A Ctrl-C from a terminal reaches Azurite too (same process group), so requests in flight may fail instead of being cancelled.
            await error.WriteLineAsync("sweep harness: cancelled; Azurite (and the handler) stopped").ConfigureAwait(false);
            return 130;
        }
        catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException or IOException or Azure.RequestFailedException or ArgumentException or TimeoutException or HttpRequestException)
        {
            await error.WriteLineAsync($"sweep harness: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
        finally
        {
            StopAzurite();
            Console.CancelKeyPress -= OnCancel;
            AppDomain.CurrentDomain.ProcessExit -= OnExit;
        }
    }

    private static async Task<HarnessReport> MeasureAsync(HarnessOptions options, string root, DemoVenue venue, AzuriteProcess azurite, TextWriter output, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var machine = Machine(root);
        await using var sampler = new ResourceSampler(azurite);
        using var trace = new StorageTrace();
        var storage = MarginStorage.Create(new StorageOptions { ConnectionString = azurite.ConnectionString, Partitions = options.Partitions });
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var duration = TimeSpan.FromSeconds(options.CeilingSeconds);

        CeilingReport? ceiling = null;
        if (options.CeilingSeconds > 0)
        {
            await output.WriteLineAsync("measuring Azurite's ceiling (transactions, partition queries, queue)").ConfigureAwait(false);
            ceiling = await new CeilingProbe(storage.TableService, new QueueServiceClient(azurite.ConnectionString), sampler, duration).RunAsync(options.SweepConcurrency, cancellationToken).ConfigureAwait(false);
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"seeding {options.Accounts:N0} accounts")).ConfigureAwait(false);
        var seed = await BookSeeding.RunAsync(storage, venue, options, sampler, trace, cancellationToken).ConfigureAwait(false);

        QueryCeiling? accountsQueries = null;
        if (options.CeilingSeconds > 0)
        {
            // The sweep's own read path at its own table size: Azurite scans a whole table for every query.
            var partitions = Enumerable.Range(0, options.Partitions).Select(AccountPartitioner.KeyOf).ToArray();
            var label = string.Create(CultureInfo.InvariantCulture, $"{options.Partitions} partitions, {options.Accounts:N0} accounts");
            accountsQueries = await CeilingProbe.QueriesAsync(storage.TableService.GetTableClient(TableAccountStore.TableName), label, partitions, options.SweepConcurrency, sampler, duration, cancellationToken).ConfigureAwait(false);
        }

        var sweeps = new SweepPhase(storage, venue, options, sampler, trace);
        await output.WriteLineAsync("first sweep (every result new)").ConfigureAwait(false);
        var first = await sweeps.RunAsync("First sweep (every result new)", previous: null, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {first.Accounts:N0} accounts in {first.Seconds:0.0} s")).ConfigureAwait(false);
        var firstModel = await sweeps.Models.GetAsync(first.SnapshotId, seed.ParametersVersion, null, cancellationToken).ConfigureAwait(false);
        var rowChars = await ResultRowCharsAsync(storage.TableService.GetTableClient(Infrastructure.Margins.TableMarginStore.TableName), cancellationToken).ConfigureAwait(false);

        await output.WriteLineAsync("second sweep (prices unchanged: the simulated source restarted at the same start prices)").ConfigureAwait(false);
        var second = await sweeps.RunAsync("Second sweep (prices unchanged)", firstModel.Snapshot, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {second.Accounts:N0} accounts in {second.Seconds:0.0} s")).ConfigureAwait(false);

        EngineFigures? engine = null;
        if (options.EnginePass)
        {
            await output.WriteLineAsync("engine pass (evaluate and plan every account in memory)").ConfigureAwait(false);
            engine = EnginePass.Run(firstModel, venue, options, sweeps.SweepOptions, cancellationToken);
        }

        return new HarnessReport(machine, options, ceiling, seed, accountsQueries, first, second, rowChars, engine, total.Elapsed.TotalSeconds);
    }

    /// <summary>The average size of the result rows of partition <c>p0000</c>, measured as the ceiling's probe row is.</summary>
    private static async Task<double> ResultRowCharsAsync(TableClient margin, CancellationToken cancellationToken)
    {
        long chars = 0, rows = 0;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {AccountPartitioner.KeyOf(0)} and RowKey ge {"r:"} and RowKey lt {"r;"}");
        await foreach (var e in margin.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            // The SDK adds odata.etag and Timestamp to what it reads; the probe row has neither.
            chars += CeilingProbe.EstimatedBytes(e) - (e.TryGetValue("odata.etag", out var tag) ? "odata.etag".Length + (tag?.ToString()?.Length ?? 0) : 0) - (e.ContainsKey("Timestamp") ? "Timestamp".Length + 28 : 0);
            rows++;
        }

        return rows == 0 ? 0 : chars / (double)rows;
    }

    /// <summary>The machine's cores, OS, runtime, the repository's Azurite version and the load average now.</summary>
    internal static MachineFigures Machine(string root) =>
        new(Environment.ProcessorCount, RuntimeInformation.OSDescription, Environment.Version.ToString(), AzuriteVersion(root), LoadAverage());

    private static string AzuriteVersion(string root)
    {
        try
        {
            using var package = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "node_modules", "azurite", "package.json")));
            return package.RootElement.GetProperty("version").GetString() ?? "?";
        }
        catch (Exception ex) when (ex is IOException or JsonException or KeyNotFoundException)
        {
            return "?";
        }
    }

    internal static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
