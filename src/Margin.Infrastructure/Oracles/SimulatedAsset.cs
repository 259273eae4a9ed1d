namespace Margin.Infrastructure.Oracles;

/// <summary>One simulated asset: its start price, and the volatility, drift and jumps of its walk.</summary>
/// <remarks>Rates are annual (a year is 365.25 days) and act on the log price; <see cref="StartPrice"/> is USD per unit.</remarks>
public sealed record SimulatedAsset
{
    /// <summary>The price at the start of the walk (positive).</summary>
    public decimal StartPrice { get; init; }

    /// <summary>The annual volatility of the diffusion (0.6 = 60 %; at least 0).</summary>
    public double Volatility { get; init; } = 0.6;

    /// <summary>The annual drift of the price (default 0: without jumps, the price is a martingale).</summary>
    public double Drift { get; init; }

    /// <summary>The expected number of jumps a year (at least 0; 0 switches jumps off).</summary>
    public double JumpsPerYear { get; init; }

    /// <summary>The mean of a jump's log size (-0.1 is a typical 9.5 % drop).</summary>
    public double JumpMean { get; init; }

    /// <summary>The standard deviation of a jump's log size (at least 0).</summary>
    public double JumpStdDev { get; init; }
}
