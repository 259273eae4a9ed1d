using System.Globalization;

namespace Margin.Infrastructure.Storage;

/// <summary>Money and quantities in Table Storage: invariant-culture decimal strings (the service has no decimal type, and a double loses digits).</summary>
internal static class StoredDecimal
{
    public static string Format(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    public static bool TryParse(string? text, out decimal value) =>
        decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
}
