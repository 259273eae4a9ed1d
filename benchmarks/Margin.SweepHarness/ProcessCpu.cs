using System.Globalization;

namespace Margin.SweepHarness;

/// <summary>CPU time of a process or one of its threads as the kernel counts it: utime + stime of <c>/proc/PID/stat</c> (or <c>/proc/PID/task/TID/stat</c>).</summary>
internal static class ProcessCpu
{
    /// <summary>A process's CPU seconds so far, all threads (user and system); zero where there is none (exited, no /proc).</summary>
    public static double Seconds(int pid) => Read(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/stat"));

    /// <summary>One thread's CPU seconds so far; zero where there is none.</summary>
    public static double ThreadSeconds(int pid, int tid) => Read(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/task/{tid}/stat"));

    private static double Read(string path)
    {
        try
        {
            var stat = File.ReadAllText(path);
            // After "pid (comm) " come state, ppid, ...: utime and stime are the 14th and 15th fields, in USER_HZ (100) ticks.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return ticks / 100.0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return 0;
        }
    }
}
