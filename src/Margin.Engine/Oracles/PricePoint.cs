using System.Globalization;

namespace Margin.Engine.Oracles;

/// <summary>A price observed at a time, one point of a price series.</summary>
/// <remarks><see cref="Price"/> is USD per unit; the series functions require it strictly positive.</remarks>
public readonly record struct PricePoint(DateTimeOffset Time, decimal Price)
{
    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Price} at {Time:O}");
}
