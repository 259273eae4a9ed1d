using System.Text.Json;
using Margin.Cli.Input;

namespace Margin.Cli.Tests;

public sealed class NumberTextTests
{
    public static TheoryData<string, string> ExactDecimals => new()
    {
        { "0.1", "0.1" },
        { "\"0.1\"", "0.1" },
        { "50000", "50000" },
        { "\"-85500\"", "-85500" },
        { "5e4", "50000" },
        { "\"1.5E-3\"", "0.0015" },
        { "0.30000000000000004", "0.30000000000000004" },
        { "\"79228162514264337593543950335\"", "79228162514264337593543950335" },
    };

    [Theory]
    [MemberData(nameof(ExactDecimals))]
    public void TryDecimal_NumberOrNumericString_ParsesExactly(string json, string expected)
    {
        using var doc = JsonDocument.Parse(json);

        Assert.True(NumberText.TryDecimal(doc.RootElement, out var value, out var problem), problem);
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), value);
    }

    [Theory]
    [InlineData("\"NaN\"", "not a finite number")]
    [InlineData("\"Infinity\"", "not a finite number")]
    [InlineData("\"-Infinity\"", "not a finite number")]
    [InlineData("\"abc\"", "not a decimal number")]
    [InlineData("\"1,5\"", "not a decimal number")]
    [InlineData("\" 1\"", "not a decimal number")]
    [InlineData("\"1 000\"", "not a decimal number")]
    [InlineData("\"\"", "not a decimal number")]
    [InlineData("1e400", "out of the decimal range")]
    [InlineData("true", "must be a number or a numeric string")]
    [InlineData("{}", "must be a number or a numeric string")]
    public void TryDecimal_NotAFiniteDecimal_SaysWhy(string json, string problem)
    {
        using var doc = JsonDocument.Parse(json);

        Assert.False(NumberText.TryDecimal(doc.RootElement, out _, out var message));
        Assert.Contains(problem, message, StringComparison.Ordinal);
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
