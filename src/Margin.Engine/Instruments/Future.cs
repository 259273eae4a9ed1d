using Margin.Engine.Domain;

namespace Margin.Engine.Instruments;

/// <summary>A dated future, linear or inverse.</summary>
public sealed record Future : Instrument
{
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
