namespace Margin.Engine.Prices;

/// <summary>The mark of one instrument in a snapshot.</summary>
/// <remarks>
/// <see cref="Mark"/> is USD per base unit for linear contracts and options, USD per coin for inverse contracts;
/// strictly positive. <see cref="ImpliedVolatility"/> is an annualised fraction, used by options.
/// </remarks>
public sealed record InstrumentPrice
{
    private InstrumentPrice(string instrumentId, decimal mark, double? impliedVolatility, string? unusableReason)
    {
        InstrumentId = instrumentId;
        Mark = mark;
        ImpliedVolatility = impliedVolatility;
        UnusableReason = unusableReason;
    }

    /// <summary>The instrument.</summary>
    public string InstrumentId { get; }

    /// <summary>The mark price.</summary>
    public decimal Mark { get; }

    /// <summary>The option's implied volatility, if quoted.</summary>
    public double? ImpliedVolatility { get; }

    /// <summary>Why the mark is not usable, or null when it is.</summary>
    public string? UnusableReason { get; }

    /// <summary>Whether a liquidation may rely on this mark.</summary>
    public bool Usable => UnusableReason is null;

    /// <summary>Validates and creates an instrument mark.</summary>
    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    public static InstrumentPrice Create(string instrumentId, decimal mark, double? impliedVolatility = null, string? unusableReason = null)
    {
        if (string.IsNullOrWhiteSpace(instrumentId))
        {
            throw new ArgumentException("the instrument id is missing", nameof(instrumentId));
        }

        if (mark <= 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(mark), mark, $"{instrumentId}: the mark must be positive");
        }

        if (impliedVolatility is { } iv && (!double.IsFinite(iv) || iv <= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(impliedVolatility), iv, $"{instrumentId}: the implied volatility must be finite and positive");
        }

        if (unusableReason is { Length: 0 })
        {
            throw new ArgumentException($"{instrumentId}: an unusable mark needs a reason", nameof(unusableReason));
        }

        return new InstrumentPrice(instrumentId, mark, impliedVolatility, unusableReason);
    }
}
