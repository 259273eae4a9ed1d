using Margin.Engine.Domain;

namespace Margin.Engine.Instruments;

/// <summary>A European call or put, cash-settled in USD.</summary>
/// <remarks><see cref="Strike"/> in USD, strictly positive; <see cref="Multiplier"/> base units per contract, strictly positive.</remarks>
public sealed record EuropeanOption : Instrument
{
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
