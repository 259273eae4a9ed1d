using System.Diagnostics;

namespace Margin.SweepHarness;

/// <summary>The processes this harness has running now (its Azurite, a handler), so that every way out (Ctrl-C, SIGTERM, process exit) stops them, each by its own PID.</summary>
internal sealed class ProcessGuard
{
    private readonly Lock _gate = new();
    private AzuriteProcess? _azurite;
    private readonly HashSet<int> _handlers = [];

    public void TrackAzurite(AzuriteProcess? azurite)
    {
        lock (_gate)
        {
            _azurite = azurite;
        }
    }

    public void TrackHandler(int pid)
    {
        lock (_gate)
        {
            _handlers.Add(pid);
        }
    }

    public void ForgetHandler(int pid)
    {
        lock (_gate)
        {
            _handlers.Remove(pid);
        }
    }

    /// <summary>SIGKILL to the handlers this harness started (those running), then Azurite's own stop (TERM, then KILL).</summary>
    public void StopAll()
    {
        AzuriteProcess? azurite;
        int[] pids;
        lock (_gate)
        {
            azurite = _azurite;
            pids = [.. _handlers];
        }

        foreach (var handler in pids)
        {
            try
            {
                using var process = Process.GetProcessById(handler);
                process.Kill(entireProcessTree: false);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }

        azurite?.Stop();
    }
}
