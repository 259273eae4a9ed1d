using Margin.Infrastructure.Documents;
using System.Globalization;

namespace Margin.Infrastructure.Tests.Documents;

public sealed class DecimalTextTests
{
    [Theory]
    [InlineData("1500.00000000", "1500")]
    [InlineData("-0.50", "-0.5")]
    [InlineData("0.00000000", "0")]
    [InlineData("-0.0", "0")]
    [InlineData("0.0000000000000000000000000001", "0.0000000000000000000000000001")]
    [InlineData("79228162514264337593543950335", "79228162514264337593543950335")]
    [InlineData("126620.64875", "126620.64875")]
    public void Format_Decimal_IsCanonicalAndExact(string input, string expected)
    {
        var value = decimal.Parse(input, NumberStyles.Float, CultureInfo.InvariantCulture);

        var text = DecimalText.Format(value);

        Assert.Equal(expected, text);
        Assert.Equal(value, decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
    }
}
