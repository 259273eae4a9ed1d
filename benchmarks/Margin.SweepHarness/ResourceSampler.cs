using System.Diagnostics;
using System.Globalization;

namespace Margin.SweepHarness;

/// <summary>Samples CPU (Azurite's, the harness's, the whole machine's) and the harness's memory every 250 ms, so each phase can say what bound it.</summary>
/// <remarks>
/// Azurite's CPU time comes from its process (<c>/proc/PID/stat</c>), the harness's from <see cref="Environment.CpuUsage"/>,
/// the machine's from the first line of <c>/proc/stat</c> (other engineers' builds share the 2 cores: their share is
/// the machine's minus ours). A phase's busiest second is its highest 1-second window; Azurite is one Node.js thread,
/// so 100 % of one core is its ceiling.
/// </remarks>
internal sealed class ResourceSampler : IAsyncDisposable
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(250);

    private readonly AzuriteProcess _azurite;
    private readonly List<Sample> _samples = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public ResourceSampler(AzuriteProcess azurite)
    {
        _azurite = azurite;
        Take();
        _loop = LoopAsync(_stop.Token);
    }

    /// <summary>Seconds since the sampler started (phases are measured on this clock).</summary>
    public double Now => _clock.Elapsed.TotalSeconds;

    /// <summary>Takes a sample now (also called after every work item, so memory is seen at each item's end).</summary>
    public Sample Take()
    {
        var sample = new Sample(
            Now,
            _azurite.CpuTime().TotalSeconds,
            _azurite.MainThreadCpuTime().TotalSeconds,
            Environment.CpuUsage.TotalTime.TotalSeconds,
            MachineBusySeconds(),
            Environment.WorkingSet,
            GC.GetTotalMemory(forceFullCollection: false));
        lock (_gate)
        {
            _samples.Add(sample);
        }

        return sample;
    }

    /// <summary>What the samples between <paramref name="from"/> and <paramref name="to"/> (sampler seconds) show.</summary>
    public PhaseUsage Usage(double from, double to)
    {
        Sample[] window;
        lock (_gate)
        {
            window = [.. _samples.Where(s => s.At >= from - 0.3 && s.At <= to + 0.3)];
        }

        if (window.Length < 2)
        {
            return new PhaseUsage(to - from, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        }

        var first = window[0];
        var last = window[^1];
        var wall = Math.Max(last.At - first.At, 1e-9);

        // 1-second windows of Azurite's main thread (the event loop, its single-threaded part): its busiest second, and
        // how many seconds it was saturated (>= 90 % of a core).
        var seconds = new List<double>();
        var start = first;
        foreach (var s in window.Skip(1))
        {
            if (s.At - start.At >= 1.0)
            {
                seconds.Add((s.AzuriteMainCpu - start.AzuriteMainCpu) / (s.At - start.At));
                start = s;
            }
        }

        return new PhaseUsage(
            to - from,
            (last.AzuriteCpu - first.AzuriteCpu) / wall,
            (last.AzuriteMainCpu - first.AzuriteMainCpu) / wall,
            (last.HarnessCpu - first.HarnessCpu) / wall,
            (last.MachineBusy - first.MachineBusy) / wall,
            seconds.Count == 0 ? 0 : seconds.Max(),
            seconds.Count == 0 ? 0 : seconds.Count(x => x >= 0.9) / (double)seconds.Count,
            window.Max(s => s.WorkingSet),
            window.Max(s => s.Heap),
            Environment.ProcessorCount);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(s_interval);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            Take();
        }
    }

    /// <summary>Core-seconds the whole machine has been busy since boot (<c>/proc/stat</c>), or 0 where there is none.</summary>
    internal static double MachineBusySeconds()
    {
        try
        {
            using var reader = new StreamReader("/proc/stat");
            var line = reader.ReadLine();
            if (line is null || !line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                return 0;
            }

            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal: busy is all but idle and iowait; USER_HZ is 100 on Linux.
            var busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f.Length > 7 ? f[7] : 0);
            return busy / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>One sample: sampler seconds, CPU seconds so far (Azurite, its main thread, the harness, the machine's core-seconds), working set and GC heap bytes.</summary>
    internal readonly record struct Sample(double At, double AzuriteCpu, double AzuriteMainCpu, double HarnessCpu, double MachineBusy, long WorkingSet, long Heap);
}

/// <summary>A phase's resources: wall seconds; average cores used by Azurite (all threads, and its main thread), the harness and the whole machine; the main thread's busiest second and the share of seconds it was saturated; peak memory.</summary>
internal sealed record PhaseUsage(double Seconds, double AzuriteCores, double AzuriteMainThread, double HarnessCores, double MachineCores, double AzuritePeakSecond, double AzuriteSaturatedShare, long PeakWorkingSet, long PeakHeap, int Cores)
{
    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"CPU (cores of {Cores}): Azurite {AzuriteCores:0.00} (main thread {AzuriteMainThread * 100:0} % of a core, busiest second {AzuritePeakSecond * 100:0} %, saturated >= 90 % in {AzuriteSaturatedShare * 100:0} % of seconds), harness {HarnessCores:0.00}, others {Math.Max(0, MachineCores - AzuriteCores - HarnessCores):0.00}, machine {MachineCores:0.00}");
}
