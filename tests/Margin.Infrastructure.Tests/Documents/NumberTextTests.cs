using System.Text.Json;
using Margin.Infrastructure.Documents;

namespace Margin.Infrastructure.Tests.Documents;

public sealed class NumberTextTests
{
    private const string Underflow = "cannot be represented exactly as a decimal (underflow: it is not zero but smaller in magnitude than 1e-28, the smallest non-zero decimal)";
    private const string Overflow = "cannot be represented exactly as a decimal (overflow: its magnitude exceeds 79228162514264337593543950335, the largest decimal)";

    public static TheoryData<string, string> ExactDecimals => new()
    {
        { "0.1", "0.1" },
        { "\"0.1\"", "0.1" },
        { "50000", "50000" },
        { "\"-85500\"", "-85500" },
        { "5e4", "50000" },
        { "\"1.5e3\"", "1500" },
        { "\"1E+3\"", "1000" },
        { "\"1.5E-3\"", "0.0015" },
        { "\"1.500\"", "1.5" },
        { "\"+5\"", "5" },
        { "\".5\"", "0.5" },
        { "\"5.\"", "5" },
        { "\"-0\"", "0" },
        { "\"0e-400\"", "0" },
        { "\"0.000000000000000000000000000000000\"", "0" },
        { "0.30000000000000004", "0.30000000000000004" },
        { "\"0.1234567890123456789012345678\"", "0.1234567890123456789012345678" },
        { "\"1234567890123456789012345678.9\"", "1234567890123456789012345678.9" },
        { "\"1e-28\"", "0.0000000000000000000000000001" },
        { "\"-0.0000000000000000000000000001\"", "-0.0000000000000000000000000001" },
        { "\"1.0000000000000000000000000000000000\"", "1" },
        { "\"100000000000000000000000000000000000000000e-40\"", "10" },
        { "\"79228162514264337593543950335\"", "79228162514264337593543950335" },
        { "\"-79228162514264337593543950335\"", "-79228162514264337593543950335" },
        { "\"7.9228162514264337593543950335e28\"", "79228162514264337593543950335" },
        { "\"7.9228162514264337593543950335\"", "7.9228162514264337593543950335" },
        { "1e28", "10000000000000000000000000000" },
    };

    [Theory]
    [MemberData(nameof(ExactDecimals))]
    public void TryDecimal_NumberOrNumericString_ParsesExactly(string json, string expected)
    {
        using var doc = JsonDocument.Parse(json);

        Assert.True(NumberText.TryDecimal(doc.RootElement, out var value, out var problem), problem);
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), value);
        Assert.Null(problem);
    }

    [Fact]
    public void TryDecimal_TrailingZeros_KeepTheWrittenScale()
    {
        using var doc = JsonDocument.Parse("\"1.500\"");

        Assert.True(NumberText.TryDecimal(doc.RootElement, out var value, out _));
        Assert.Equal(3, value.Scale);
    }

    public static TheoryData<string, string> UnrepresentableDecimals => new()
    {
        { "\"0.12345678901234567890123456789012\"", "'0.12345678901234567890123456789012' cannot be represented exactly as a decimal (it has 32 decimal places; a decimal has at most 28)" },
        { "0.12345678901234567890123456789012", "0.12345678901234567890123456789012 cannot be represented exactly as a decimal (it has 32 decimal places; a decimal has at most 28)" },
        { "\"1.5e-28\"", "'1.5e-28' cannot be represented exactly as a decimal (it has 29 decimal places; a decimal has at most 28)" },
        { "\"1.00000000000000000000000000001\"", "'1.00000000000000000000000000001' cannot be represented exactly as a decimal (it has 29 decimal places; a decimal has at most 28)" },
        { "\"12345678901234567890.1234567891\"", "'12345678901234567890.1234567891' cannot be represented exactly as a decimal (it has 30 significant digits; a decimal holds 28 or 29: read as an integer they must not exceed 79228162514264337593543950335)" },
        { "\"7.9228162514264337593543950336\"", "'7.9228162514264337593543950336' cannot be represented exactly as a decimal (it has 29 significant digits; a decimal holds 28 or 29: read as an integer they must not exceed 79228162514264337593543950335)" },
        { "1e-40", "1e-40 " + Underflow },
        { "\"1e-40\"", "'1e-40' " + Underflow },
        { "\"-5e-29\"", "'-5e-29' " + Underflow },
        { "\"0.00000000000000000000000000009\"", "'0.00000000000000000000000000009' " + Underflow },
        { "\"1e-99999999999999999999\"", "'1e-99999999999999999999' " + Underflow },
        { "1e29", "1e29 " + Overflow },
        { "1e400", "1e400 " + Overflow },
        { "\"-1e99999999999999999999\"", "'-1e99999999999999999999' " + Overflow },
        { "\"79228162514264337593543950336\"", "'79228162514264337593543950336' " + Overflow },
        { "\"79228162514264337593543950335.5\"", "'79228162514264337593543950335.5' " + Overflow },
        { "\"1" + new string('0', 100) + "\"", "'1" + new string('0', 63) + "... (101 characters)' " + Overflow },
    };

    [Theory]
    [MemberData(nameof(UnrepresentableDecimals))]
    public void TryDecimal_NotExactlyADecimal_IsRefusedWithTheReason(string json, string expected)
    {
        using var doc = JsonDocument.Parse(json);

        Assert.False(NumberText.TryDecimal(doc.RootElement, out var value, out var problem));
        Assert.Equal(expected, problem);
        Assert.Equal(0m, value);
    }

    public static TheoryData<string, string> NotDecimals => new()
    {
        { "\"NaN\"", "'NaN' is not a finite number" },
        { "\"Infinity\"", "'Infinity' is not a finite number" },
        { "\"-Infinity\"", "'-Infinity' is not a finite number" },
        { "\"abc\"", "'abc' is not a decimal number" },
        { "\"1,5\"", "'1,5' is not a decimal number" },
        { "\" 1\"", "' 1' is not a decimal number" },
        { "\"1 \"", "'1 ' is not a decimal number" },
        { "\"1 000\"", "'1 000' is not a decimal number" },
        { "\"\"", "'' is not a decimal number" },
        { "\"-\"", "'-' is not a decimal number" },
        { "\".\"", "'.' is not a decimal number" },
        { "\"1e\"", "'1e' is not a decimal number" },
        { "\"1e+\"", "'1e+' is not a decimal number" },
        { "\"e5\"", "'e5' is not a decimal number" },
        { "\"1.2.3\"", "'1.2.3' is not a decimal number" },
        { "\"1-2\"", "'1-2' is not a decimal number" },
        { "\"0x10\"", "'0x10' is not a decimal number" },
        { "\"\u0661\"", "'\u0661' is not a decimal number" },
        { "true", "must be a number or a numeric string (got true)" },
        { "{}", "must be a number or a numeric string (got an object)" },
    };

    [Theory]
    [MemberData(nameof(NotDecimals))]
    public void TryDecimal_NotADecimalNumber_SaysWhy(string json, string expected)
    {
        using var doc = JsonDocument.Parse(json);

        Assert.False(NumberText.TryDecimal(doc.RootElement, out _, out var problem));
        Assert.Equal(expected, problem);
    }

    [Theory]
    [InlineData("0.8", 0.8)]
    [InlineData("\"0.9\"", 0.9)]
    public void TryDouble_NumberOrNumericString_Parses(string json, double expected)
    {
        using var doc = JsonDocument.Parse(json);

        Assert.True(NumberText.TryDouble(doc.RootElement, out var value, out _));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("\"NaN\"")]
    [InlineData("\"Infinity\"")]
    [InlineData("1e400")]
    public void TryDouble_NonFinite_IsRefused(string json)
    {
        using var doc = JsonDocument.Parse(json);

        Assert.False(NumberText.TryDouble(doc.RootElement, out _, out var problem));
        Assert.Contains("finite", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("17", true)]
    [InlineData("\"17\"", true)]
    [InlineData("1.5", false)]
    [InlineData("\"x\"", false)]
    public void TryInteger_Value_AcceptsOnlyIntegers(string json, bool ok)
    {
        using var doc = JsonDocument.Parse(json);

        Assert.Equal(ok, NumberText.TryInteger(doc.RootElement, out _, out _));
    }
}
