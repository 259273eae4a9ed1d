using Margin.Engine.Domain;

namespace Margin.Engine.Instruments;

/// <summary>A derivative contract on an underlying asset.</summary>
/// <remarks>Immutable; <see cref="Id"/> is non-empty, <see cref="LotSize"/> strictly positive.</remarks>
public abstract record Instrument
{
    private protected Instrument(string id, Asset underlying, decimal lotSize)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            throw new ArgumentException("an instrument id must not be empty", nameof(id));
        }

        if (underlying.IsDefault)
        {
            throw new ArgumentException($"instrument {id} has no underlying", nameof(underlying));
        }

        if (lotSize <= 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(lotSize), lotSize, $"instrument {id}: the lot size must be positive");
        }

        Id = id;
        Underlying = underlying;
        LotSize = lotSize;
    }

    /// <summary>The instrument id, e.g. <c>BTC-PERP</c>.</summary>
    public string Id { get; }

    /// <summary>The asset whose price drives the contract.</summary>
    public Asset Underlying { get; }

    /// <summary>The smallest tradable quantity, in the position's units.</summary>
    public decimal LotSize { get; }

    /// <summary>The expiry, or null for a perpetual.</summary>
    public abstract DateTimeOffset? Expiry { get; }
}
