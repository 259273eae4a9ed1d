using System.Diagnostics;
using System.Globalization;

namespace Margin.PublishHarness;

/// <summary>CPU of this process, of a broker process (by PID, from <c>/proc/PID/stat</c>) and of the whole machine (<c>/proc/stat</c>), so a run can say what bound it.</summary>
internal sealed class CpuMeter(int? brokerPid)
{
    /// <summary>A reading: wall clock, our CPU, the broker's CPU, the machine's busy time.</summary>
    public readonly record struct Reading(long Timestamp, TimeSpan Ours, TimeSpan Broker, TimeSpan Machine);

    public Reading Read()
    {
        using var self = Process.GetCurrentProcess();
        return new Reading(Stopwatch.GetTimestamp(), self.TotalProcessorTime, brokerPid is { } pid ? ProcessTicks(pid) : TimeSpan.Zero, MachineBusy());
    }

    /// <summary>Average cores used between two readings: ours, the broker's, everything else on the machine.</summary>
    public static CpuUse Between(Reading from, Reading to)
    {
        var seconds = Stopwatch.GetElapsedTime(from.Timestamp, to.Timestamp).TotalSeconds;
        var ours = (to.Ours - from.Ours).TotalSeconds / seconds;
        var broker = (to.Broker - from.Broker).TotalSeconds / seconds;
        var machine = (to.Machine - from.Machine).TotalSeconds / seconds;
        return new CpuUse(ours, broker, Math.Max(0, machine - ours - broker));
    }

    /// <summary>The 1-minute load average (<c>/proc/loadavg</c>).</summary>
    public static string LoadAverage()
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

    private static TimeSpan ProcessTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/stat"));
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return TimeSpan.FromSeconds((long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return TimeSpan.Zero;
        }
    }

    private static TimeSpan MachineBusy()
    {
        try
        {
            // cpu  user nice system idle iowait irq softirq steal ...: busy is everything but idle and iowait, in 1/100 s.
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            return TimeSpan.FromSeconds((fields.Take(8).Sum() - fields[3] - fields[4]) / 100.0);
        }
        catch (Exception ex) when (ex is IOException or FormatException or IndexOutOfRangeException)
        {
            return TimeSpan.Zero;
        }
    }
}

/// <summary>Average cores: this process, the broker, the rest of the machine (other engineers' jobs).</summary>
internal readonly record struct CpuUse(double Ours, double Broker, double Others);

/// <summary>One timed run of one variant.</summary>
internal sealed record RunFigures(string Variant, int Round, int Messages, double Seconds, CpuUse Cpu, int Transfers)
{
    public double Rate => Messages / Seconds;
}
