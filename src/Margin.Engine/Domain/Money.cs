using System.Globalization;

namespace Margin.Engine.Domain;

/// <summary>An amount of one asset, usually the settlement currency.</summary>
/// <remarks>
/// Arithmetic between two amounts requires the same asset and throws <see cref="InvalidOperationException"/> otherwise;
/// there are no implicit conversions to or from <see cref="decimal"/>. <c>default(Money)</c> is zero of no asset and
/// combines with any asset.
/// </remarks>
public readonly record struct Money(decimal Amount, Asset Currency) : IComparable<Money>
{
    /// <summary>Zero of the given asset.</summary>
    public static Money Zero(Asset currency) => new(0m, currency);

    /// <summary>Adds two amounts of the same asset; not rounded to the money precision.</summary>
    /// <exception cref="InvalidOperationException">The amounts are of different assets (neither is <c>default</c>).</exception>
    public static Money operator +(Money left, Money right) => new(left.Amount + right.Amount, Common(left, right));

    /// <summary>Subtracts two amounts of the same asset; not rounded to the money precision.</summary>
    /// <exception cref="InvalidOperationException">The amounts are of different assets (neither is <c>default</c>).</exception>
    public static Money operator -(Money left, Money right) => new(left.Amount - right.Amount, Common(left, right));

    /// <summary>Negates an amount, keeping its asset.</summary>
    public static Money operator -(Money value) => new(-value.Amount, value.Currency);

    /// <summary>Scales an amount by a dimensionless factor, keeping its asset; not rounded to the money precision.</summary>
    public static Money operator *(Money value, decimal factor) => new(value.Amount * factor, value.Currency);

    /// <summary>Whether <paramref name="left"/> is smaller; only amounts of the same asset compare.</summary>
    /// <exception cref="InvalidOperationException">The amounts are of different assets (neither is <c>default</c>).</exception>
    public static bool operator <(Money left, Money right) => left.CompareTo(right) < 0;

    /// <summary>Whether <paramref name="left"/> is larger; only amounts of the same asset compare.</summary>
    /// <exception cref="InvalidOperationException">The amounts are of different assets (neither is <c>default</c>).</exception>
    public static bool operator >(Money left, Money right) => left.CompareTo(right) > 0;

    /// <summary>Whether <paramref name="left"/> is smaller or equal; only amounts of the same asset compare.</summary>
    /// <exception cref="InvalidOperationException">The amounts are of different assets (neither is <c>default</c>).</exception>
    public static bool operator <=(Money left, Money right) => left.CompareTo(right) <= 0;

    /// <summary>Whether <paramref name="left"/> is larger or equal; only amounts of the same asset compare.</summary>
    /// <exception cref="InvalidOperationException">The amounts are of different assets (neither is <c>default</c>).</exception>
    public static bool operator >=(Money left, Money right) => left.CompareTo(right) >= 0;

    /// <summary>Adds two amounts of the same asset.</summary>
    public static Money Add(Money left, Money right) => left + right;

    /// <summary>Subtracts two amounts of the same asset.</summary>
    public static Money Subtract(Money left, Money right) => left - right;

    /// <summary>Negates an amount.</summary>
    public static Money Negate(Money value) => -value;

    /// <summary>Scales an amount by a dimensionless factor.</summary>
    public static Money Multiply(Money value, decimal factor) => value * factor;

    /// <inheritdoc />
    public int CompareTo(Money other)
    {
        _ = Common(this, other);
        return Amount.CompareTo(other.Amount);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Amount} {Currency}");

    private static Asset Common(Money left, Money right)
    {
        if (left.Currency.IsDefault)
        {
            return right.Currency;
        }

        if (right.Currency.IsDefault || left.Currency == right.Currency)
        {
            return left.Currency;
        }

        throw new InvalidOperationException($"cannot combine {left.Currency} with {right.Currency}");
    }
}
