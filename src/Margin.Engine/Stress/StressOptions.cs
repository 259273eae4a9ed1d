namespace Margin.Engine.Stress;

/// <summary>How a stress run evaluates: the cascade's round limit, how many worst accounts to keep, and the parallelism.</summary>
/// <remarks>Results do not depend on <see cref="MaxDegreeOfParallelism"/>: accounts are evaluated in fixed chunks whose totals are added in chunk order.</remarks>
public sealed record StressOptions
{
    /// <summary>The most cascade rounds a run has (1 to 100); default 10.</summary>
    public int MaxRounds { get; init; } = 10;

    /// <summary>How many worst accounts the first and final evaluations keep (0 to 1,000); default 20.</summary>
    public int WorstAccounts { get; init; } = 20;

    /// <summary>How many of each round's largest orders (by value) the round keeps (0 to 1,000); default 20.</summary>
    public int LargestOrders { get; init; } = 20;

    /// <summary>The most threads an evaluation uses; default the processor count.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>What is wrong with the options, if anything.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (MaxRounds is < 1 or > 100)
        {
            problems.Add(FormattableString.Invariant($"the round limit must be 1 to 100 (got {MaxRounds})"));
        }

        if (WorstAccounts is < 0 or > 1_000)
        {
            problems.Add(FormattableString.Invariant($"the number of worst accounts must be 0 to 1000 (got {WorstAccounts})"));
        }

        if (LargestOrders is < 0 or > 1_000)
        {
            problems.Add(FormattableString.Invariant($"the number of largest orders must be 0 to 1000 (got {LargestOrders})"));
        }

        if (MaxDegreeOfParallelism < 1)
        {
            problems.Add(FormattableString.Invariant($"the degree of parallelism must be at least 1 (got {MaxDegreeOfParallelism})"));
        }

        return problems;
    }
}
