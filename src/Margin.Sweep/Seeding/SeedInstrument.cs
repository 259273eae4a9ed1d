using Margin.Engine.Instruments;
using Margin.Engine.Parameters;

namespace Margin.Sweep.Seeding;

/// <summary>An instrument the generator may trade: configured, not expired, its mark and its underlying's price usable.</summary>
internal sealed record SeedInstrument
{
    public required InstrumentRiskParameters Parameters { get; init; }

    public Instrument Instrument => Parameters.Instrument;

    /// <summary>The mark, USD per base unit (per coin for inverse contracts).</summary>
    public required decimal Mark { get; init; }

    /// <summary>The underlying's oracle price.</summary>
    public required decimal UnderlyingPrice { get; init; }

    /// <summary>The underlying's volatility (<c>sigmaLong</c>, else <c>sigmaShort</c>, else 0.6), for entry prices.</summary>
    public required double Sigma { get; init; }

    /// <summary>How often accounts pick it: the square of its underlying's popularity (BTC and ETH dominate, as they do on venues).</summary>
    public required double Popularity { get; init; }

    /// <summary>The underlying's scenario-grid range when it has a grid, else 0.</summary>
    public required double GridRange { get; init; }

    /// <summary>Whether a portfolio-mode account may hold it: its underlying has a grid and, for an option, a volatility is known.</summary>
    public required bool PortfolioReady { get; init; }
}
