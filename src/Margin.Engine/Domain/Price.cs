using System.Globalization;

namespace Margin.Engine.Domain;

/// <summary>The price of one unit of <see cref="Base"/> in units of <see cref="Quote"/>.</summary>
/// <remarks>Validated by <see cref="Of"/>: strictly positive. <c>default(Price)</c> is zero of no pair and means "no price".</remarks>
public readonly record struct Price
{
    private Price(decimal value, Asset @base, Asset quote)
    {
        Value = value;
        Base = @base;
        Quote = quote;
    }

    /// <summary>Quote units per base unit.</summary>
    public decimal Value { get; }

    /// <summary>The priced asset.</summary>
    public Asset Base { get; }

    /// <summary>The currency of the price.</summary>
    public Asset Quote { get; }

    /// <summary>Creates a strictly positive price.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public static Price Of(decimal value, Asset @base, Asset quote)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
        return new Price(value, @base, quote);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Value} {Quote}/{Base}");
}
