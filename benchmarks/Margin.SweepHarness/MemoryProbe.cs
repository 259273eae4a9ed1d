using System.Diagnostics;
using System.Globalization;

namespace Margin.SweepHarness;

/// <summary>The process's memory as the kernel and the GC see it: the resident set's high-water mark (<c>VmHWM</c>), the machine's RAM, and the managed heap held by an object graph.</summary>
internal static class MemoryProbe
{
    /// <summary>The most resident memory the process has had (<c>VmHWM</c> of <c>/proc/self/status</c>), bytes; 0 where there is none.</summary>
    public static long HighWaterMark() => StatusKb("VmHWM:") * 1024;

    /// <summary>The machine's RAM (<c>MemTotal</c> of <c>/proc/meminfo</c>), bytes; 0 where there is none.</summary>
    public static long MachineRam() => KbOf("/proc/meminfo", "MemTotal:") * 1024;

    /// <summary>The process's peak working set as .NET reports it (on Linux the same counter as <see cref="HighWaterMark"/>).</summary>
    public static long PeakWorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }

    /// <summary>The managed heap after a full, compacting collection (everything unreachable is gone), bytes.</summary>
    public static long SettledHeap() => GC.GetTotalMemory(forceFullCollection: true);

    private static long StatusKb(string key) => KbOf("/proc/self/status", key);

    private static long KbOf(string path, string key)
    {
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    var value = line[key.Length..].Trim().Split(' ')[0];
                    return long.Parse(value, CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return 0;
        }

        return 0;
    }
}

/// <summary>Samples the working set and the managed heap every 100 ms, so a phase's peak is seen between the phase's own measurements.</summary>
internal sealed class MemorySampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Lock _gate = new();
    private long _peakWorkingSet;
    private long _peakHeap;

    public MemorySampler()
    {
        _loop = LoopAsync(_stop.Token);
    }

    /// <summary>The peaks since the last call (or the start), then starts a new window.</summary>
    public (long WorkingSet, long Heap) Window()
    {
        Take();
        lock (_gate)
        {
            var peaks = (_peakWorkingSet, _peakHeap);
            _peakWorkingSet = 0;
            _peakHeap = 0;
            return peaks;
        }
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

    private void Take()
    {
        var workingSet = Environment.WorkingSet;
        var heap = GC.GetTotalMemory(forceFullCollection: false);
        lock (_gate)
        {
            _peakWorkingSet = Math.Max(_peakWorkingSet, workingSet);
            _peakHeap = Math.Max(_peakHeap, heap);
        }
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            Take();
        }
    }
}
