using System.Globalization;

namespace Margin.Engine.Domain;

/// <summary>A signed quantity of an asset, in the asset's own units (negative = owed).</summary>
public readonly record struct Quantity(decimal Amount, Asset Asset)
{
    /// <summary>The value of this quantity at a price quoted in some currency per unit of <see cref="Asset"/>.</summary>
    /// <exception cref="InvalidOperationException">The price is for another asset.</exception>
    public Money ValueAt(Price price)
    {
        if (price.Base != Asset)
        {
            throw new InvalidOperationException($"a price of {price.Base} cannot value a quantity of {Asset}");
        }

        return new Money(Amount * price.Value, price.Quote);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Amount} {Asset}");
}
