using System.Collections.Immutable;

namespace Margin.Engine.Accounts;

/// <summary>One cross-margin account: collateral balances, derivative positions and a margin mode.</summary>
/// <remarks>
/// Immutable. Created through <see cref="Create"/>, which rejects an empty id, a negative version, two balances of the
/// same asset and two positions in the same instrument (the ledger nets them). Whether the assets and instruments are
/// known is checked when the account is evaluated, against the risk parameters in force.
/// </remarks>
public sealed record Account
{
    private Account(string id, long version, MarginMode mode, ImmutableArray<Balance> balances, ImmutableArray<Position> positions)
    {
        Id = id;
        Version = version;
        Mode = mode;
        Balances = balances;
        Positions = positions;
    }

    /// <summary>The account id, unique in the book.</summary>
    public string Id { get; }

    /// <summary>The ledger's version of this account; every result records it.</summary>
    public long Version { get; }

    /// <summary>The margin mode.</summary>
    public MarginMode Mode { get; }

    /// <summary>Collateral balances, at most one per asset.</summary>
    public ImmutableArray<Balance> Balances { get; }

    /// <summary>Positions, at most one per instrument.</summary>
    public ImmutableArray<Position> Positions { get; }

    /// <summary>Validates and creates an account.</summary>
    /// <exception cref="InvalidAccountException">A field is invalid; the exception names the account and the field.</exception>
    public static Account Create(string id, long version, MarginMode mode, IEnumerable<Balance> balances, IEnumerable<Position> positions)
    {
        ArgumentNullException.ThrowIfNull(balances);
        ArgumentNullException.ThrowIfNull(positions);
        if (string.IsNullOrWhiteSpace(id))
        {
            throw new InvalidAccountException(id ?? string.Empty, "id", "the account id must not be empty");
        }

        if (version < 0)
        {
            throw new InvalidAccountException(id, "version", $"the version must not be negative (got {version})");
        }

        if (!Enum.IsDefined(mode))
        {
            throw new InvalidAccountException(id, "marginMode", $"unknown margin mode {(int)mode}");
        }

        var b = balances.ToImmutableArray();
        for (var i = 0; i < b.Length; i++)
        {
            if (b[i].Asset.IsDefault)
            {
                throw new InvalidAccountException(id, $"balances[{i}].asset", "the asset is missing");
            }

            for (var j = 0; j < i; j++)
            {
                if (b[j].Asset == b[i].Asset)
                {
                    throw new InvalidAccountException(id, $"balances[{i}].asset", $"asset {b[i].Asset} appears twice (also balances[{j}])");
                }
            }
        }

        var p = positions.ToImmutableArray();
        for (var i = 0; i < p.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(p[i].InstrumentId))
            {
                throw new InvalidAccountException(id, $"positions[{i}].instrument", "the instrument id is missing");
            }

            if (p[i].EntryPrice < 0m)
            {
                throw new InvalidAccountException(id, $"positions[{i}].entryPrice", $"the entry price must not be negative (got {p[i].EntryPrice})");
            }

            for (var j = 0; j < i; j++)
            {
                if (string.Equals(p[j].InstrumentId, p[i].InstrumentId, StringComparison.Ordinal))
                {
                    throw new InvalidAccountException(id, $"positions[{i}].instrument", $"instrument {p[i].InstrumentId} appears twice (also positions[{j}])");
                }
            }
        }

        return new Account(id, version, mode, b, p);
    }

    // Rebuilds an account that was valid when it was stored compactly (CompactBook): its checks already passed.
    internal static Account Trusted(string id, long version, MarginMode mode, ImmutableArray<Balance> balances, ImmutableArray<Position> positions) =>
        new(id, version, mode, balances, positions);

    /// <summary>This account with other holdings, unchecked: for callers that derive them from this account's own, keeping one balance per asset and one position per instrument (the liquidation planner's projection).</summary>
    internal Account WithHoldings(ImmutableArray<Balance> balances, ImmutableArray<Position> positions) => new(Id, Version, Mode, balances, positions);
}
