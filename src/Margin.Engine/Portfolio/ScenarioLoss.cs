using System.Globalization;

namespace Margin.Engine.Portfolio;

/// <summary>Reduces a revaluation over the scenarios to the worst loss of section 4.</summary>
public static class ScenarioLoss
{
    /// <summary>The largest <c>-pnl(scenario) * LossWeight</c> over the scenarios, or 0 if none loses.</summary>
    /// <param name="scenarios">The scenarios, e.g. from <see cref="ScenarioGrid.Build"/>.</param>
    /// <param name="pnl">Revalues every position and balance of the underlying in a scenario and returns the profit (positive) or loss (negative) against today's value, in the quote currency.</param>
    /// <remarks>Grid scenarios have weight 1, so their loss is taken as is; an extended move's loss is multiplied by <c>R / |move|</c>. Gains never offset losses across scenarios.</remarks>
    /// <exception cref="ArgumentException">The delegate returned a value that is not finite (a revaluation bug, not an outcome).</exception>
    public static ScenarioWorstLoss Worst(IEnumerable<Scenario> scenarios, Func<Scenario, double> pnl)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        ArgumentNullException.ThrowIfNull(pnl);
        var worst = 0.0;
        Scenario? decisive = null;
        foreach (var scenario in scenarios)
        {
            ArgumentNullException.ThrowIfNull(scenario, nameof(scenarios));
            var value = pnl(scenario);
            if (!double.IsFinite(value))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"the revaluation in scenario {scenario} is {value}"), nameof(pnl));
            }

            var loss = -value * scenario.LossWeight;
            if (loss > worst)
            {
                worst = loss;
                decisive = scenario;
            }
        }

        return new ScenarioWorstLoss(worst, decisive);
    }
}
