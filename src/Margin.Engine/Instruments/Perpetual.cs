using Margin.Engine.Domain;

namespace Margin.Engine.Instruments;

/// <summary>A perpetual swap, linear or inverse.</summary>
public sealed record Perpetual : Instrument
{
    /// <summary>Validates and creates a perpetual.</summary>
    /// <param name="id">The instrument id, e.g. <c>BTC-PERP</c>; must not be empty or whitespace.</param>
    /// <param name="underlying">The asset whose price drives the contract; must not be <c>default</c>.</param>
    /// <param name="contract">Linear (quantity in base units, PnL in USD) or inverse (quantity in USD face value, PnL in the coin).</param>
    /// <param name="lotSize">The smallest tradable quantity in the position's units; strictly positive.</param>
    /// <exception cref="ArgumentException"><paramref name="id"/> is empty or <paramref name="underlying"/> is <c>default</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="contract"/> is not a defined value, or <paramref name="lotSize"/> is not positive.</exception>
    public Perpetual(string id, Asset underlying, ContractType contract, decimal lotSize = 0.001m)
        : base(id, underlying, lotSize)
    {
        if (!Enum.IsDefined(contract))
        {
            throw new ArgumentOutOfRangeException(nameof(contract), contract, "unknown contract type");
        }

        Contract = contract;
    }

    /// <summary>Linear or inverse.</summary>
    public ContractType Contract { get; }

    /// <inheritdoc />
    public override DateTimeOffset? Expiry => null;
}
