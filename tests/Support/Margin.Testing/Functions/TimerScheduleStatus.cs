namespace Margin.Testing.Functions;

/// <summary>A timer's schedule status as the host sends it when <c>useMonitor</c> is on (TimerInfo.ScheduleStatus).</summary>
public sealed record TimerScheduleStatus(DateTimeOffset Last, DateTimeOffset Next, DateTimeOffset LastUpdated);
