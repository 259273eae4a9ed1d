using Margin.Engine.Liquidation;

namespace Margin.Infrastructure.Documents;

/// <summary>Maps the document's optional <c>planner</c> object to validated <see cref="PlannerOptions"/>.</summary>
/// <remarks>
/// Property names are the parameters of <see cref="PlannerOptions.Create"/>, so the engine's range checks are reported
/// at <c>planner.</c> followed by the parameter's name (<c>planner.maxImpact</c>). Shape problems (missing, malformed,
/// unknown) are reported first; the engine's rules run once the shape is right. Whether the settlement asset is a
/// configured, priced asset is decided by the planner for each account.
/// </remarks>
public static class PlannerReader
{
    public const string Root = "planner";

    internal static PlannerOptions? Read(InputObject planner, List<InputProblem> problems)
    {
        var before = problems.Count;
        var feeRate = planner.Decimal("feeRate", required: true);
        var maxImpact = planner.Decimal("maxImpact", required: true);
        var maxOrderUsd = planner.Decimal("maxOrderUsd", required: true);
        var minOrderUsd = planner.Decimal("minOrderUsd") ?? 0m;
        var settlementAsset = planner.Symbol("settlementAsset");
        var moveUsd = planner.Decimal("moveUsd") ?? 0m;
        var maxMoves = planner.Integer("maxMoves") ?? 100_000;
        planner.RejectUnknown();
        if (problems.Count > before || feeRate is null || maxImpact is null || maxOrderUsd is null)
        {
            return null;
        }

        try
        {
            return PlannerOptions.Create(feeRate.Value, maxImpact.Value, maxOrderUsd.Value, minOrderUsd, settlementAsset, moveUsd, (int)Math.Clamp(maxMoves, 0, int.MaxValue));
        }
        catch (ArgumentOutOfRangeException ex)
        {
            // The engine names the parameter; the input's property has the same name.
            var message = ex.Message;
            var cut = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
            message = cut >= 0 ? message[..cut] : message;
            if (ex.ActualValue is decimal actual)
            {
                message += $" (got {DecimalText.Format(actual)})";
            }

            problems.Add(new InputProblem(planner.Child(ex.ParamName ?? string.Empty), message));
            return null;
        }
    }
}
