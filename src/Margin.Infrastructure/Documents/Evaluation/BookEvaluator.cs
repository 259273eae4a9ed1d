using Margin.Engine.Accounts;
using Margin.Engine.Evaluation;
using Margin.Engine.Liquidation;
using Margin.Engine.Methodologies;
using Margin.Engine.Results;

namespace Margin.Infrastructure.Documents.Evaluation;

/// <summary>Evaluates every account of an input in its margin mode (standard or portfolio), isolating the ones that cannot be evaluated, and plans the liquidation of the liquidatable and bankrupt ones when the input has planner options.</summary>
public static class BookEvaluator
{
    /// <summary>The field a planner failure is reported at.</summary>
    public const string PlannerField = "planner";

    /// <summary>The field a methodology-figure failure is reported at.</summary>
    public const string MethodologyField = "methodology";

    public static EvaluationReport Evaluate(EvaluateInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var model = MarginModel.Create(input.Snapshot, input.Parameters);
        var results = new List<MarginResult>(input.Accounts.Count);
        var failures = new List<AccountFailure>();
        var plans = new Dictionary<string, LiquidationPlan>(StringComparer.Ordinal);
        var planFailures = new List<AccountFailure>();
        var methodologies = new Dictionary<string, MethodologyEvaluation>(StringComparer.Ordinal);
        var methodologyFailures = new List<AccountFailure>();
        var methodology = input.Metadata?.Methodology;
        foreach (var entry in input.Accounts)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (entry.Account is not { } account)
            {
                failures.AddRange(entry.Problems.Select(p => new AccountFailure(entry.Index, entry.Id, p.Field is "" ? null : p.Field, p.Problem)));
                continue;
            }

            MarginResult result;
            var context = new EvaluationContext(entry.LiquidationInFlight);
            try
            {
                result = model.Evaluate(account, context);
            }
            catch (InvalidAccountException ex)
            {
                // The engine's expected outcome for a bad account: report it and go on with the others.
                failures.Add(new AccountFailure(entry.Index, entry.Id, ex.Field, ex.Problem));
                continue;
            }

            results.Add(result);
            if (methodology is { } kind)
            {
                try
                {
                    // The methodology's own figure, beside ours, from the same prices and parameters.
                    methodologies.Add(result.AccountId, MethodologyEvaluator.Evaluate(input.Snapshot, input.Parameters, account, kind, result));
                }
                catch (Exception ex) when (ex is ArgumentException or ArithmeticException)
                {
                    methodologyFailures.Add(new AccountFailure(entry.Index, entry.Id, MethodologyField, $"no {ParametersMetadata.NameOf(kind)} figure: {Problem(ex)}"));
                }
            }

            if (input.Planner is { } options && result.Status >= MarginStatus.Liquidatable)
            {
                try
                {
                    plans.Add(result.AccountId, Plan(model, account, result, context, options));
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or ArithmeticException)
                {
                    // A plan that cannot be made fails that account's plan only; the others are still planned.
                    planFailures.Add(new AccountFailure(entry.Index, entry.Id, PlannerField, $"no liquidation plan: {Problem(ex)}"));
                }
            }
        }

        return new EvaluationReport
        {
            SnapshotId = input.Snapshot.Id,
            AsOf = input.Snapshot.AsOf,
            ParametersVersion = input.Parameters.Version,
            Settlement = input.Parameters.Settlement.Symbol,
            AccountCount = input.Accounts.Count,
            Underlyings = input.Parameters.Instruments.ToDictionary(kv => kv.Key, kv => kv.Value.Instrument.Underlying.Symbol, StringComparer.Ordinal),
            Results = results,
            Failures = failures,
            Plans = plans,
            PlanFailures = planFailures,
            Metadata = input.Metadata,
            Preset = input.Preset,
            ParametersReplaced = input.ParametersReplaced,
            Methodologies = methodologies,
            MethodologyFailures = methodologyFailures,
        };
    }

    /// <summary>Plans one account with the same context it was evaluated with, so an order in flight suppresses the plan.</summary>
    private static LiquidationPlan Plan(MarginModel model, Account account, MarginResult evaluated, EvaluationContext context, PlannerOptions options) =>
        LiquidationPlanner.Plan(model, account, evaluated, options, context);

    private static string Problem(Exception ex) => ex switch
    {
        InvalidAccountException invalid => invalid.Field is { Length: > 0 } field ? $"{field}: {invalid.Problem}" : invalid.Problem,
        ArgumentException { ParamName: { } name } argument => argument.Message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal),
        _ => ex.Message,
    };
}
