using Margin.Engine.Liquidation;
using Margin.Engine.Methodologies;
using Margin.Engine.Results;

namespace Margin.Infrastructure.Documents.Evaluation;

/// <summary>The outcome of one <c>margin evaluate</c> run: either the input was unusable, or every account was tried.</summary>
/// <remarks>
/// When <see cref="InputProblems"/> is not empty nothing was evaluated and the snapshot and parameter fields are null.
/// Otherwise <see cref="Results"/> and <see cref="Failures"/> together cover every account of the input, each in input order.
/// </remarks>
public sealed record EvaluationReport
{
    public string? SnapshotId { get; init; }

    public DateTimeOffset? AsOf { get; init; }

    public string? ParametersVersion { get; init; }

    public string? Settlement { get; init; }

    public int AccountCount { get; init; }

    /// <summary>Each configured instrument's underlying asset symbol, so lines can say which coin an inverse PnL is in.</summary>
    public IReadOnlyDictionary<string, string> Underlyings { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public IReadOnlyList<MarginResult> Results { get; init; } = [];

    public IReadOnlyList<AccountFailure> Failures { get; init; } = [];

    public IReadOnlyList<InputProblem> InputProblems { get; init; } = [];

    /// <summary>The liquidation plan of each planned account, by account id; empty when the input has no planner options.</summary>
    public IReadOnlyDictionary<string, LiquidationPlan> Plans { get; init; } = new Dictionary<string, LiquidationPlan>(StringComparer.Ordinal);

    /// <summary>Evaluated accounts whose plan could not be made (field <c>planner</c>); their results are in <see cref="Results"/>.</summary>
    public IReadOnlyList<AccountFailure> PlanFailures { get; init; } = [];

    /// <summary>Where the parameters come from, or null when they carry no metadata.</summary>
    public ParametersMetadata? Metadata { get; init; }

    /// <summary>The preset used (<c>--preset</c>), or null.</summary>
    public string? Preset { get; init; }

    /// <summary>Whether the input's own <c>parameters</c> section was replaced by the preset.</summary>
    public bool ParametersReplaced { get; init; }

    /// <summary>The methodology's own view of each evaluated account, by account id; empty when the parameters name no methodology.</summary>
    public IReadOnlyDictionary<string, MethodologyEvaluation> Methodologies { get; init; } = new Dictionary<string, MethodologyEvaluation>(StringComparer.Ordinal);

    /// <summary>Evaluated accounts whose methodology figure could not be computed (field <c>methodology</c>).</summary>
    public IReadOnlyList<AccountFailure> MethodologyFailures { get; init; } = [];

    /// <summary>Whether every account was evaluated and, when planning, every liquidatable or bankrupt account was planned.</summary>
    public bool Complete => InputProblems.Count == 0 && Failures.Count == 0 && PlanFailures.Count == 0 && MethodologyFailures.Count == 0;

    /// <summary>A report for input that could not be used at all.</summary>
    public static EvaluationReport Rejected(IReadOnlyList<InputProblem> problems) => new() { InputProblems = problems };
}
