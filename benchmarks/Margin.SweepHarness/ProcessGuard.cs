using System.Diagnostics;

namespace Margin.SweepHarness;

/// <summary>The processes this harness has running now (its Azurite, a handler), so that every way out (Ctrl-C, SIGTERM, process exit) stops them, each by its own PID.</summary>
internal sealed class ProcessGuard
{
    private readonly Lock _gate = new();
    private AzuriteProcess? _azurite;
    private int? _handlerPid;

    public void TrackAzurite(AzuriteProcess? azurite)
    {
        lock (_gate)
        {
            _azurite = azurite;
        }
    }

    public void TrackHandler(int? pid)
    {
        lock (_gate)
        {
            _handlerPid = pid;
        }
    }

    /// <summary>SIGKILL to the handler this harness started (if one runs), then Azurite's own stop (TERM, then KILL).</summary>
    public void StopAll()
    {
        AzuriteProcess? azurite;
        int? pid;
        lock (_gate)
        {
            azurite = _azurite;
            pid = _handlerPid;
        }

        if (pid is { } handler)
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
