using Margin.Engine.Domain;

namespace Margin.Engine.Instruments;

/// <summary>A dated future, linear or inverse.</summary>
public sealed record Future : Instrument
{
    /// <summary>Validates and creates a dated future.</summary>
    /// <param name="id">The instrument id, e.g. <c>BTC-PERP</c>; must not be empty or whitespace.</param>
    /// <param name="underlying">The asset whose price drives the contract; must not be <c>default</c>.</param>
    /// <param name="contract">Linear (quantity in base units, PnL in USD) or inverse (quantity in USD face value, PnL in the coin).</param>
    /// <param name="expiry">When the future settles; a position held at or after it is rejected at evaluation, as the ledger must settle it.</param>
    /// <param name="lotSize">The smallest tradable quantity in the position's units; strictly positive.</param>
    /// <exception cref="ArgumentException"><paramref name="id"/> is empty or <paramref name="underlying"/> is <c>default</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="contract"/> is not a defined value, or <paramref name="lotSize"/> is not positive.</exception>
    public Future(string id, Asset underlying, ContractType contract, DateTimeOffset expiry, decimal lotSize = 0.001m)
        : base(id, underlying, lotSize)
    {
        if (!Enum.IsDefined(contract))
        {
            throw new ArgumentOutOfRangeException(nameof(contract), contract, "unknown contract type");
        }

        Contract = contract;
        ExpiresAt = expiry;
    }

    /// <summary>Linear or inverse.</summary>
    public ContractType Contract { get; }

    /// <summary>When the future settles.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <inheritdoc />
    public override DateTimeOffset? Expiry => ExpiresAt;
}
