using Margin.Engine.Results;

namespace Margin.Infrastructure.Documents.Evaluation;

// The portfolio part of an account's result (schemaVersion 1, added compatibly): present only for portfolio-mode accounts.
// Scenario figures and Greeks are computed in double by the engine (MARGIN-MODEL.md section 9) and are written as JSON
// numbers, in the settlement currency; the summary's requirements are the rounded decimals.

/// <summary>The risk matrix of a portfolio-mode account.</summary>
public sealed record PortfolioDocument
{
    public required IReadOnlyList<UnderlyingRiskDocument> Underlyings { get; init; }

    public required AggregationDocument Aggregation { get; init; }

    public required CorrelationDocument Correlation { get; init; }

    public required double CorrelationStress { get; init; }

    public required string InitialMultiplier { get; init; }

    public static PortfolioDocument From(PortfolioRisk risk)
    {
        var order = risk.Correlation.Order;
        return new PortfolioDocument
        {
            Underlyings = risk.Underlyings.Select(u => new UnderlyingRiskDocument
            {
                Underlying = u.Underlying.Symbol,
                Spot = DecimalText.Format(u.Spot),
                WorstLoss = u.WorstLoss,
                WorstScenario = u.WorstScenario is { } s ? new ScenarioDocument
                {
                    PriceMove = s.PriceMove,
                    Volatility = s.Volatility.ToString(),
                    Extended = s.IsExtended,
                    LossWeight = s.LossWeight,
                    Description = s.ToString(),
                } : null,
                DeltaShock = u.DeltaShock,
                RollShock = u.RollShock,
                Loss = u.Loss,
                Greeks = new GreeksDocument { Delta = u.Delta, Gamma = u.Gamma, Vega = u.Vega, Theta = u.Theta },
            }).ToList(),
            Aggregation = new AggregationDocument
            {
                Correlated = risk.Aggregation.Correlated,
                LargestUnderlying = risk.Aggregation.LargestUnderlying,
                SumFloor = risk.Aggregation.SumFloor,
                RiskMatrix = risk.Aggregation.RiskMatrix,
                BorrowMaintenance = risk.Aggregation.BorrowMaintenance,
                Binding = risk.Aggregation.Binding.ToString(),
            },
            Correlation = new CorrelationDocument
            {
                Assets = risk.Correlation.Assets.Select(a => a.Symbol).ToList(),
                Matrix = Enumerable.Range(0, order).Select(i => (IReadOnlyList<double>)Enumerable.Range(0, order).Select(j => risk.Correlation[i, j]).ToList()).ToList(),
            },
            CorrelationStress = risk.CorrelationStress,
            InitialMultiplier = DecimalText.Format(risk.InitialMultiplier),
        };
    }
}

/// <summary>One underlying's worst scenario, shocks, loss and Greeks.</summary>
public sealed record UnderlyingRiskDocument
{
    public required string Underlying { get; init; }

    public required string Spot { get; init; }

    public required double WorstLoss { get; init; }

    public required ScenarioDocument? WorstScenario { get; init; }

    public required double DeltaShock { get; init; }

    public required double RollShock { get; init; }

    public required double Loss { get; init; }

    public required GreeksDocument Greeks { get; init; }
}

/// <summary>A scenario: price move (fraction), volatility state, whether extended and its loss weight.</summary>
public sealed record ScenarioDocument
{
    public required double PriceMove { get; init; }

    public required string Volatility { get; init; }

    public required bool Extended { get; init; }

    public required double LossWeight { get; init; }

    public required string Description { get; init; }
}

/// <summary>Delta (units), gamma (per USD), vega (USD per vol point), theta (USD per day).</summary>
public sealed record GreeksDocument
{
    public required double Delta { get; init; }

    public required double Gamma { get; init; }

    public required double Vega { get; init; }

    public required double Theta { get; init; }
}

/// <summary>The three aggregation candidates, the borrow margin and the binding one.</summary>
public sealed record AggregationDocument
{
    public required double Correlated { get; init; }

    public required double LargestUnderlying { get; init; }

    public required double SumFloor { get; init; }

    public required double RiskMatrix { get; init; }

    public required double BorrowMaintenance { get; init; }

    public required string Binding { get; init; }
}

/// <summary>The correlation matrix used, row-major in the order of its assets.</summary>
public sealed record CorrelationDocument
{
    public required IReadOnlyList<string> Assets { get; init; }

    public required IReadOnlyList<IReadOnlyList<double>> Matrix { get; init; }
}
