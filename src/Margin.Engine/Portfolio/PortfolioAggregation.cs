using System.Globalization;
using Margin.Engine.Statistics;

namespace Margin.Engine.Portfolio;

/// <summary>Aggregates the per-underlying losses <c>L_u</c> into the portfolio margin (MARGIN-MODEL.md section 4, "Across underlyings").</summary>
/// <remarks>
/// The <c>L_u</c> are unsigned worst losses, each taken in its own worst scenario, so a hedge across underlyings (long
/// BTC against short ETH) is never credited beyond what the correlation allows: the aggregation is conservative for
/// cross-underlying hedges by construction.
/// </remarks>
public static class PortfolioAggregation
{
    /// <summary>The maintenance margin <c>max(sqrt(L^T C_s L), max_u L_u, f * sum_u L_u) + borrowMM</c> with <c>C_s = (1 - s) C + s 1 1^T</c>.</summary>
    /// <param name="losses">The losses <c>L_u</c> in the order of <paramref name="correlation"/>'s assets, in the quote currency, finite and non-negative.</param>
    /// <param name="correlation">The correlation matrix <c>C</c> of the underlyings (expected repaired to positive semi-definite).</param>
    /// <param name="stress">The shrinkage <c>s</c> toward perfect correlation, in [0, 1].</param>
    /// <param name="sumFloorFraction">The fraction <c>f</c> of the plain sum that the margin never falls below, in [0, 1].</param>
    /// <param name="borrowMaintenance">The borrow maintenance margin, in the quote currency, finite and non-negative.</param>
    /// <remarks>
    /// The quadratic form is clamped at 0 before the square root (rounding of a positive semi-definite matrix). Because
    /// every correlation is at most 1 and every <c>L_u &gt;= 0</c>, <c>L^T C_s L &lt;= (sum L)^2</c>, so with <c>f &lt;= 1</c> the
    /// margin lies between <c>max_u L_u + borrowMM</c> and <c>sum_u L_u + borrowMM</c>: never more than the anchors' plain sum.
    /// </remarks>
    /// <exception cref="ArgumentException">A loss is negative or not finite, or the count differs from the matrix order.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The stress, the floor fraction or the borrow margin is out of range.</exception>
    public static PortfolioMaintenanceMargin MaintenanceMargin(
        IReadOnlyList<double> losses,
        CorrelationMatrix correlation,
        double stress,
        double sumFloorFraction,
        double borrowMaintenance)
    {
        ArgumentNullException.ThrowIfNull(losses);
        ArgumentNullException.ThrowIfNull(correlation);
        if (losses.Count != correlation.Order)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{losses.Count} losses for {correlation.Order} underlyings"), nameof(losses));
        }

        if (!(sumFloorFraction >= 0.0 && sumFloorFraction <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(sumFloorFraction), sumFloorFraction, "the sum floor fraction must lie in [0, 1]");
        }

        if (!(double.IsFinite(borrowMaintenance) && borrowMaintenance >= 0.0))
        {
            throw new ArgumentOutOfRangeException(nameof(borrowMaintenance), borrowMaintenance, "the borrow maintenance margin must be finite and non-negative");
        }

        var shrunk = correlation.ShrinkTowardOnes(stress);
        var vector = new double[losses.Count];
        var largest = 0.0;
        var sum = 0.0;
        for (var i = 0; i < vector.Length; i++)
        {
            var loss = losses[i];
            if (!(double.IsFinite(loss) && loss >= 0.0))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"the loss of {correlation.Assets[i]} is {loss}; it must be finite and non-negative"), nameof(losses));
            }

            vector[i] = loss;
            largest = Math.Max(largest, loss);
            sum += loss;
        }

        var correlated = Math.Sqrt(Math.Max(0.0, shrunk.QuadraticForm(vector)));
        var floor = sumFloorFraction * sum;
        var binding = PortfolioMarginBinding.Correlated;
        var bound = correlated;
        if (largest > bound)
        {
            binding = PortfolioMarginBinding.LargestUnderlying;
            bound = largest;
        }

        if (floor > bound)
        {
            binding = PortfolioMarginBinding.SumFloor;
        }

        return new PortfolioMaintenanceMargin(correlated, largest, floor, borrowMaintenance, binding);
    }

    /// <summary>The initial margin <c>IM = k * MM</c>.</summary>
    /// <param name="maintenanceMargin">The maintenance margin, finite and non-negative.</param>
    /// <param name="multiplier">The multiplier <c>k</c>, finite and greater than 1 (so IM is strictly above MM whenever MM is positive).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public static double InitialMargin(double maintenanceMargin, double multiplier)
    {
        if (!(double.IsFinite(maintenanceMargin) && maintenanceMargin >= 0.0))
        {
            throw new ArgumentOutOfRangeException(nameof(maintenanceMargin), maintenanceMargin, "the maintenance margin must be finite and non-negative");
        }

        if (!(double.IsFinite(multiplier) && multiplier > 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(multiplier), multiplier, "the initial-margin multiplier k must be finite and greater than 1");
        }

        return multiplier * maintenanceMargin;
    }
}
