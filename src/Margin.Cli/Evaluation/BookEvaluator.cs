using Margin.Cli.Input;
using Margin.Engine.Accounts;
using Margin.Engine.Evaluation;
using Margin.Engine.Results;

namespace Margin.Cli.Evaluation;

/// <summary>Evaluates every account of an input in standard mode, isolating the ones that cannot be evaluated.</summary>
internal static class BookEvaluator
{
    public static EvaluationReport Evaluate(EvaluateInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var model = MarginModel.Create(input.Snapshot, input.Parameters);
        var results = new List<MarginResult>(input.Accounts.Count);
        var failures = new List<AccountFailure>();
        foreach (var entry in input.Accounts)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (entry.Account is not { } account)
            {
                failures.AddRange(entry.Problems.Select(p => new AccountFailure(entry.Index, entry.Id, p.Field is "" ? null : p.Field, p.Problem)));
                continue;
            }

            try
            {
                results.Add(model.Evaluate(account, new EvaluationContext(entry.LiquidationInFlight)));
            }
            catch (InvalidAccountException ex)
            {
                // The engine's expected outcome for a bad account: report it and go on with the others.
                failures.Add(new AccountFailure(entry.Index, entry.Id, ex.Field, ex.Problem));
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
        };
    }
}
