using Margin.Engine.Domain;

namespace Margin.Engine.Instruments;

/// <summary>A European call or put, cash-settled in USD.</summary>
/// <remarks><see cref="Strike"/> in USD, strictly positive; <see cref="Multiplier"/> base units per contract, strictly positive.</remarks>
public sealed record EuropeanOption : Instrument
{
    /// <summary>Validates and creates a European option.</summary>
    /// <param name="id">The instrument id, e.g. <c>BTC-PERP</c>; must not be empty or whitespace.</param>
    /// <param name="underlying">The asset whose price drives the contract; must not be <c>default</c>.</param>
    /// <param name="right">Call or put.</param>
    /// <param name="strike">The strike in USD per base unit; strictly positive.</param>
    /// <param name="expiry">When the option expires; a position held at or after it is rejected at evaluation, as the ledger must settle it.</param>
    /// <param name="multiplier">Base units of the underlying per contract; strictly positive.</param>
    /// <param name="lotSize">The smallest tradable quantity in contracts; strictly positive.</param>
    /// <exception cref="ArgumentException"><paramref name="id"/> is empty or <paramref name="underlying"/> is <c>default</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="right"/> is not a defined value, or <paramref name="strike"/>, <paramref name="multiplier"/> or <paramref name="lotSize"/> is not positive.</exception>
    public EuropeanOption(string id, Asset underlying, OptionRight right, decimal strike, DateTimeOffset expiry, decimal multiplier = 1m, decimal lotSize = 0.1m)
        : base(id, underlying, lotSize)
    {
        if (!Enum.IsDefined(right))
        {
            throw new ArgumentOutOfRangeException(nameof(right), right, "unknown option right");
        }

        if (strike <= 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(strike), strike, $"option {id}: the strike must be positive");
        }

        if (multiplier <= 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(multiplier), multiplier, $"option {id}: the multiplier must be positive");
        }

        Right = right;
        Strike = strike;
        ExpiresAt = expiry;
        Multiplier = multiplier;
    }

    /// <summary>Call or put.</summary>
    public OptionRight Right { get; }

    /// <summary>The strike in USD per base unit.</summary>
    public decimal Strike { get; }

    /// <summary>When the option expires.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>Base units per contract.</summary>
    public decimal Multiplier { get; }

    /// <inheritdoc />
    public override DateTimeOffset? Expiry => ExpiresAt;

    /// <summary>The out-of-the-money amount per base unit at underlying price <paramref name="spot"/>.</summary>
    public decimal OutOfTheMoney(decimal spot) => Right == OptionRight.Call ? Math.Max(0m, Strike - spot) : Math.Max(0m, spot - Strike);
}
