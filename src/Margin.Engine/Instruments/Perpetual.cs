using Margin.Engine.Domain;

namespace Margin.Engine.Instruments;

/// <summary>A perpetual swap, linear or inverse.</summary>
public sealed record Perpetual : Instrument
{
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
