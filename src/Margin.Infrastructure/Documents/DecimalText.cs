using System.Globalization;

namespace Margin.Infrastructure.Documents;

/// <summary>Writes decimals exactly and canonically: invariant culture, no exponent, no thousands separator, no trailing zeros.</summary>
/// <remarks><c>1500.00000000m</c> is written <c>1500</c>, <c>-0.5m</c> <c>-0.5</c>, zero <c>0</c>. Parsing the text back gives the same value.</remarks>
public static class DecimalText
{
    public static string Format(decimal value) =>
        value == 0m ? "0" : value.ToString("0.############################", CultureInfo.InvariantCulture);

    public static string? Format(decimal? value) => value is { } v ? Format(v) : null;
}
