namespace Margin.Engine.Portfolio;

/// <summary>The portfolio-mode maintenance margin with its three candidates and the one that bound.</summary>
/// <remarks>
/// All amounts are in the quote currency of the losses, finite and non-negative:
/// <c>MaintenanceMargin = max(Correlated, LargestUnderlying, SumFloor) + BorrowMaintenance</c>.
/// </remarks>
public sealed record PortfolioMaintenanceMargin
{
    internal PortfolioMaintenanceMargin(double correlated, double largestUnderlying, double sumFloor, double borrowMaintenance, PortfolioMarginBinding binding)
    {
        Correlated = correlated;
        LargestUnderlying = largestUnderlying;
        SumFloor = sumFloor;
        BorrowMaintenance = borrowMaintenance;
        Binding = binding;
    }

    /// <summary>The correlated candidate <c>sqrt(L^T C_s L)</c>.</summary>
    public double Correlated { get; }

    /// <summary>The largest single underlying's loss <c>max_u L_u</c> (0 with no underlying).</summary>
    public double LargestUnderlying { get; }

    /// <summary>The floor candidate <c>f * sum_u L_u</c>.</summary>
    public double SumFloor { get; }

    /// <summary>The borrow maintenance margin added on top of the risk-matrix candidate.</summary>
    public double BorrowMaintenance { get; }

    /// <summary>The candidate that decided; on a tie the first in the order Correlated, LargestUnderlying, SumFloor.</summary>
    public PortfolioMarginBinding Binding { get; }

    /// <summary>The binding candidate: <c>max(Correlated, LargestUnderlying, SumFloor)</c>.</summary>
    public double RiskMatrix => Binding switch
    {
        PortfolioMarginBinding.LargestUnderlying => LargestUnderlying,
        PortfolioMarginBinding.SumFloor => SumFloor,
        _ => Correlated,
    };

    /// <summary>The maintenance margin <c>MM = RiskMatrix + BorrowMaintenance</c>.</summary>
    public double MaintenanceMargin => RiskMatrix + BorrowMaintenance;
}
