using System.Collections.Immutable;
using Margin.Engine.Accounts;
using Margin.Engine.Domain;

namespace Margin.Engine.Stress;

/// <summary>A whole book of accounts held in flat arrays, read once from storage, that every stress round and curve point evaluates from.</summary>
/// <remarks>
/// <para>Accounts are stored column-wise: ids, versions and modes per account; every balance as (asset index, quantity)
/// and every position as (instrument index, quantity, entry price) in shared arrays, addressed by per-account offsets.
/// Asset symbols and instrument ids are held once each. An <see cref="Account"/> is rebuilt on demand
/// (<see cref="Account(int)"/>) for the engine and dropped after its evaluation, so the book's footprint is the arrays
/// (<see cref="EstimatedBytes"/>), not a graph of records.</para>
/// <para>Accounts that could not be read are kept apart with their problem (<see cref="Unreadable"/>): they are counted
/// and listed by every run, never evaluated, never dropped silently. Accounts keep the order they were added in; a book
/// read partition by partition in partition order and account id order is therefore the same for the same stored
/// book, which keeps runs deterministic.</para>
/// </remarks>
public sealed class CompactBook
{
    private readonly string[] _ids;
    private readonly long[] _versions;
    private readonly MarginMode[] _modes;
    private readonly int[] _balanceStart;
    private readonly ushort[] _balanceAsset;
    private readonly decimal[] _balanceQuantity;
    private readonly int[] _positionStart;
    private readonly ushort[] _positionInstrument;
    private readonly decimal[] _positionQuantity;
    private readonly decimal[] _positionEntry;
    private readonly Asset[] _assets;
    private readonly string[] _instruments;

    private CompactBook(Builder b)
    {
        _ids = [.. b.Ids];
        _versions = [.. b.Versions];
        _modes = [.. b.Modes];
        _balanceStart = [.. b.BalanceStart, b.BalanceAsset.Count];
        _balanceAsset = [.. b.BalanceAsset];
        _balanceQuantity = [.. b.BalanceQuantity];
        _positionStart = [.. b.PositionStart, b.PositionInstrument.Count];
        _positionInstrument = [.. b.PositionInstrument];
        _positionQuantity = [.. b.PositionQuantity];
        _positionEntry = [.. b.PositionEntry];
        _assets = [.. b.Assets];
        _instruments = [.. b.Instruments];
        Unreadable = [.. b.Problems];
    }

    /// <summary>The number of readable accounts.</summary>
    public int Count => _ids.Length;

    /// <summary>The accounts that could not be read, with their problems.</summary>
    public ImmutableArray<AccountProblem> Unreadable { get; }

    /// <summary>The number of balances held.</summary>
    public int BalanceCount => _balanceAsset.Length;

    /// <summary>The number of positions held.</summary>
    public int PositionCount => _positionInstrument.Length;

    /// <summary>The bytes the book's arrays and strings take on a 64-bit runtime (array and string headers included), a close lower bound of its managed footprint.</summary>
    public long EstimatedBytes
    {
        get
        {
            const int arrayHeader = 24;
            const int stringHeader = 22;
            long bytes = 12 * arrayHeader;
            bytes += (long)_ids.Length * 8;
            foreach (var id in _ids)
            {
                bytes += Align(stringHeader + (2 * id.Length));
            }

            bytes += (long)_versions.Length * 8 + _modes.Length * 4;
            bytes += (long)_balanceStart.Length * 4 + _balanceAsset.Length * 2 + _balanceQuantity.Length * 16;
            bytes += (long)_positionStart.Length * 4 + _positionInstrument.Length * 2 + (_positionQuantity.Length * 16) + (_positionEntry.Length * 16);
            bytes += _assets.Sum(a => 8 + Align(stringHeader + (2 * a.Symbol.Length)));
            bytes += _instruments.Sum(i => 8 + Align(stringHeader + (2 * i.Length)));
            return bytes;
        }
    }

    /// <summary>The id of account <paramref name="index"/>.</summary>
    public string IdAt(int index) => _ids[index];

    /// <summary>Rebuilds account <paramref name="index"/> (0 to <see cref="Count"/> - 1) for the engine.</summary>
    public Account Account(int index)
    {
        var b0 = _balanceStart[index];
        var b1 = _balanceStart[index + 1];
        var balances = ImmutableArray.CreateBuilder<Balance>(b1 - b0);
        for (var i = b0; i < b1; i++)
        {
            balances.Add(new Balance(_assets[_balanceAsset[i]], _balanceQuantity[i]));
        }

        var p0 = _positionStart[index];
        var p1 = _positionStart[index + 1];
        var positions = ImmutableArray.CreateBuilder<Position>(p1 - p0);
        for (var i = p0; i < p1; i++)
        {
            positions.Add(new Position(_instruments[_positionInstrument[i]], _positionQuantity[i], _positionEntry[i]));
        }

        return Accounts.Account.Trusted(_ids[index], _versions[index], _modes[index], balances.MoveToImmutable(), positions.MoveToImmutable());
    }

    private static long Align(long bytes) => (bytes + 7) / 8 * 8;

    /// <summary>Builds a <see cref="CompactBook"/> account by account.</summary>
    /// <remarks>Not thread-safe. Up to 65,536 distinct asset symbols and as many instrument ids.</remarks>
    public sealed class Builder
    {
        private readonly Dictionary<Asset, ushort> _assetIndex = [];
        private readonly Dictionary<string, ushort> _instrumentIndex = new(StringComparer.Ordinal);

        internal List<string> Ids { get; } = [];

        internal List<long> Versions { get; } = [];

        internal List<MarginMode> Modes { get; } = [];

        internal List<int> BalanceStart { get; } = [];

        internal List<ushort> BalanceAsset { get; } = [];

        internal List<decimal> BalanceQuantity { get; } = [];

        internal List<int> PositionStart { get; } = [];

        internal List<ushort> PositionInstrument { get; } = [];

        internal List<decimal> PositionQuantity { get; } = [];

        internal List<decimal> PositionEntry { get; } = [];

        internal List<Asset> Assets { get; } = [];

        internal List<string> Instruments { get; } = [];

        internal List<AccountProblem> Problems { get; } = [];

        /// <summary>The readable accounts added so far.</summary>
        public int Count => Ids.Count;

        /// <summary>Adds a readable account.</summary>
        /// <exception cref="InvalidOperationException">The book already has 65,536 distinct assets or instruments.</exception>
        public Builder Add(Account account)
        {
            ArgumentNullException.ThrowIfNull(account);
            Ids.Add(account.Id);
            Versions.Add(account.Version);
            Modes.Add(account.Mode);
            BalanceStart.Add(BalanceAsset.Count);
            foreach (var balance in account.Balances)
            {
                BalanceAsset.Add(IndexOf(balance.Asset));
                BalanceQuantity.Add(balance.Quantity);
            }

            PositionStart.Add(PositionInstrument.Count);
            foreach (var position in account.Positions)
            {
                PositionInstrument.Add(IndexOf(position.InstrumentId));
                PositionQuantity.Add(position.Quantity);
                PositionEntry.Add(position.EntryPrice);
            }

            return this;
        }

        /// <summary>Adds an account that could not be read, with its problem.</summary>
        public Builder AddUnreadable(string accountId, string problem)
        {
            Problems.Add(new AccountProblem(accountId ?? string.Empty, problem ?? "unreadable"));
            return this;
        }

        /// <summary>Builds the book, trimming every array to its size.</summary>
        public CompactBook Build() => new(this);

        private ushort IndexOf(Asset asset)
        {
            if (!_assetIndex.TryGetValue(asset, out var index))
            {
                index = Next(Assets.Count, "asset symbols");
                _assetIndex[asset] = index;
                Assets.Add(asset);
            }

            return index;
        }

        private ushort IndexOf(string instrument)
        {
            if (!_instrumentIndex.TryGetValue(instrument, out var index))
            {
                index = Next(Instruments.Count, "instrument ids");
                _instrumentIndex[instrument] = index;
                Instruments.Add(string.Intern(instrument));
            }

            return index;
        }

        private static ushort Next(int count, string what) =>
            count <= ushort.MaxValue ? (ushort)count : throw new InvalidOperationException($"a compact book holds at most 65,536 distinct {what}");
    }
}

/// <summary>An account and what went wrong with it in a stress run: it could not be read, the engine refused it, or it got no liquidation plan.</summary>
/// <param name="AccountId">The account's id (or row key).</param>
/// <param name="Problem">What was wrong, and where.</param>
public sealed record AccountProblem(string AccountId, string Problem);
