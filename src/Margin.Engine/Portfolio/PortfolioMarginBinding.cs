namespace Margin.Engine.Portfolio;

/// <summary>Which of the three candidates of the cross-underlying aggregation decided the maintenance margin.</summary>
/// <remarks>The default value is <see cref="Correlated"/>.</remarks>
public enum PortfolioMarginBinding
{
    /// <summary>The correlated sum <c>sqrt(L^T C_s L)</c>.</summary>
    Correlated = 0,

    /// <summary>The largest single underlying's loss <c>max_u L_u</c>.</summary>
    LargestUnderlying = 1,

    /// <summary>The floor <c>f * sum_u L_u</c>.</summary>
    SumFloor = 2,
}
