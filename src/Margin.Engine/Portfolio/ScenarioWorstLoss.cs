namespace Margin.Engine.Portfolio;

/// <summary>The worst weighted loss over one underlying's scenarios, and the scenario that produced it.</summary>
/// <remarks>
/// <see cref="Loss"/> is in the quote currency of the revaluation (the unit of the <c>pnl</c> delegate), never negative.
/// When no scenario loses, <see cref="Loss"/> is 0 and <see cref="Scenario"/> is null.
/// </remarks>
public sealed record ScenarioWorstLoss
{
    internal ScenarioWorstLoss(double loss, Scenario? scenario)
    {
        Loss = loss;
        Scenario = scenario;
    }

    /// <summary>The worst loss after extended-move weighting, non-negative.</summary>
    public double Loss { get; }

    /// <summary>The scenario that decided the loss (the first one, in grid order, on a tie), or null when none loses.</summary>
    public Scenario? Scenario { get; }
}
