namespace Margin.Sweep.Work;

/// <summary>A work item's completion marker: the item finished, and when it was marked done.</summary>
/// <param name="WorkItem">The work item's number within its sweep.</param>
/// <param name="At">When it was (last) marked done.</param>
public readonly record struct WorkItemDone(int WorkItem, DateTimeOffset At);
