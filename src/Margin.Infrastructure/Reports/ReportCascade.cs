using System.Collections.Immutable;

namespace Margin.Infrastructure.Reports;

/// <summary>A stress run's liquidation cascade, round by round.</summary>
public sealed record ReportCascade
{
    /// <summary>The rounds in order, numbered 1, 2, ... without gaps.</summary>
    public required ImmutableArray<ReportCascadeRound> Rounds
    {
        get;
        init
        {
            ReportCheck.Items(value, nameof(Rounds));
            for (var i = 0; i < value.Length; i++)
            {
                if (value[i].Round != i + 1)
                {
                    throw new ArgumentException($"Rounds[{i}] is round {value[i].Round}; rounds must be numbered 1, 2, ... in order.", nameof(Rounds));
                }
            }

            field = value;
        }
    }

    /// <summary>Why the cascade stopped, e.g. "no new liquidation" or "round limit 10 reached"; null when not recorded.</summary>
    public string? StopReason { get; init => field = ReportCheck.OptionalText(value, nameof(StopReason)); }
}
