using System.Collections.Immutable;
using System.Globalization;

namespace Margin.Infrastructure.Reports;

/// <summary>The checks the report records run in their init accessors: each names the property and the value it refused.</summary>
internal static class ReportCheck
{
    public static string Text(string value, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        return string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"{name} must not be empty or white space.", name) : value;
    }

    public static string? OptionalText(string? value, string name) =>
        value is null ? null : Text(value, name);

    public static int Count(int value, string name) =>
        value < 0 ? throw new ArgumentOutOfRangeException(name, value, $"{name} is a count of accounts or orders and must not be negative.") : value;

    public static decimal Usd(decimal value, string name) =>
        value < 0 ? throw new ArgumentOutOfRangeException(name, value, $"{name} is an amount in USD that must not be negative (got {value.ToString(CultureInfo.InvariantCulture)}).") : value;

    public static decimal Price(decimal value, string name) =>
        value <= 0 ? throw new ArgumentOutOfRangeException(name, value, $"{name} is a price in USD and must be positive (got {value.ToString(CultureInfo.InvariantCulture)}).") : value;

    public static decimal? OptionalPrice(decimal? value, string name) =>
        value is { } v ? Price(v, name) : null;

    /// <summary>A margin ratio: zero or more, or positive infinity (adjusted equity not positive and something required).</summary>
    public static double Ratio(double value, string name) =>
        double.IsNaN(value) || value < 0
            ? throw new ArgumentOutOfRangeException(name, value, $"{name} is a margin ratio and must be a number >= 0 or positive infinity (got {value.ToString(CultureInfo.InvariantCulture)}).")
            : value;

    public static double Seconds(double value, string name) =>
        !double.IsFinite(value)
            ? throw new ArgumentOutOfRangeException(name, value, $"{name} is an age in seconds and must be a finite number (got {value.ToString(CultureInfo.InvariantCulture)}).")
            : value;

    public static double? OptionalSeconds(double? value, string name) =>
        value is { } v ? Seconds(v, name) : null;

    /// <summary>A price move as a fraction (-0.25 = -25 %): finite and above -1, since a move of -100 % or worse leaves no price.</summary>
    public static double Move(double value, string name) =>
        !double.IsFinite(value) || value <= -1
            ? throw new ArgumentOutOfRangeException(name, value, $"{name} is a price move as a fraction (-0.25 = -25 %) and must be finite and above -1 (got {value.ToString(CultureInfo.InvariantCulture)}).")
            : value;

    public static ImmutableArray<T> Items<T>(ImmutableArray<T> value, string name)
        where T : class
    {
        if (value.IsDefault)
        {
            throw new ArgumentException($"{name} must be set (an empty array when there is nothing), not a default ImmutableArray.", name);
        }

        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] is null)
            {
                throw new ArgumentException($"{name}[{i}] is null.", name);
            }
        }

        return value;
    }

    public static ImmutableArray<string> Texts(ImmutableArray<string> value, string name)
    {
        Items(value, name);
        for (var i = 0; i < value.Length; i++)
        {
            Text(value[i], $"{name}[{i}]");
        }

        return value;
    }

    /// <summary>Throws when two items share a key (case-insensitive), naming the key.</summary>
    public static ImmutableArray<T> Unique<T>(ImmutableArray<T> value, Func<T, string> key, string name, string what)
        where T : class
    {
        Items(value, name);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in value)
        {
            if (!seen.Add(key(item)))
            {
                throw new ArgumentException($"{name} has {what} '{key(item)}' more than once.", name);
            }
        }

        return value;
    }
}
