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
/// (<see cref="EstimatedBytes"/>), not a graph of records. Each column is held in segments of 8,192 items, the ones the
/// builder filled: building a book never copies it, so it needs about the book's own size (a growing list would hold up
/// to twice its items, and copying it into one array both).</para>
/// <para>Accounts that could not be read are kept apart with their problem (<see cref="Unreadable"/>): they are counted
/// and listed by every run, never evaluated, never dropped silently. Accounts keep the order they were added in; a book
/// read partition by partition in partition order and account id order is therefore the same for the same stored
/// book, which keeps runs deterministic.</para>
/// </remarks>
public sealed class CompactBook
{
    private readonly Segmented<string> _ids;
    private readonly Segmented<long> _versions;
    private readonly Segmented<MarginMode> _modes;
    private readonly Segmented<int> _balanceStart;
    private readonly Segmented<ushort> _balanceAsset;
    private readonly Segmented<decimal> _balanceQuantity;
    private readonly Segmented<int> _positionStart;
    private readonly Segmented<ushort> _positionInstrument;
    private readonly Segmented<decimal> _positionQuantity;
    private readonly Segmented<decimal> _positionEntry;
    private readonly Asset[] _assets;
    private readonly string[] _instruments;

    private CompactBook(Builder b)
    {
        // Each account's holdings run from its start offset to the next account's: one more offset closes the last.
        b.BalanceStart.Add(b.BalanceAsset.Count);
        b.PositionStart.Add(b.PositionInstrument.Count);
        _ids = b.Ids.Seal();
        _versions = b.Versions.Seal();
        _modes = b.Modes.Seal();
        _balanceStart = b.BalanceStart.Seal();
        _balanceAsset = b.BalanceAsset.Seal();
        _balanceQuantity = b.BalanceQuantity.Seal();
        _positionStart = b.PositionStart.Seal();
        _positionInstrument = b.PositionInstrument.Seal();
        _positionQuantity = b.PositionQuantity.Seal();
        _positionEntry = b.PositionEntry.Seal();
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
            long bytes = 2 * arrayHeader;
            bytes += _ids.Bytes(8);
            for (var i = 0; i < _ids.Length; i++)
            {
                bytes += Align(stringHeader + (2 * _ids[i].Length));
            }

            bytes += _versions.Bytes(8) + _modes.Bytes(4);
            bytes += _balanceStart.Bytes(4) + _balanceAsset.Bytes(2) + _balanceQuantity.Bytes(16);
            bytes += _positionStart.Bytes(4) + _positionInstrument.Bytes(2) + _positionQuantity.Bytes(16) + _positionEntry.Bytes(16);
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
    /// <remarks>
    /// Not thread-safe. Up to 65,536 distinct asset symbols and as many instrument ids. Columns grow in fixed segments
    /// (never copied while growing, never with a growing list's spare half), and <see cref="Build"/> moves them into the
    /// book's arrays, releasing each segment once copied: building a book needs about the book's own size, not two to
    /// three times it. A builder builds one book.
    /// </remarks>
    public sealed class Builder
    {
        private readonly Dictionary<Asset, ushort> _assetIndex = [];
        private readonly Dictionary<string, ushort> _instrumentIndex = new(StringComparer.Ordinal);
        private bool _built;

        internal Column<string> Ids { get; } = new();

        internal Column<long> Versions { get; } = new();

        internal Column<MarginMode> Modes { get; } = new();

        internal Column<int> BalanceStart { get; } = new();

        internal Column<ushort> BalanceAsset { get; } = new();

        internal Column<decimal> BalanceQuantity { get; } = new();

        internal Column<int> PositionStart { get; } = new();

        internal Column<ushort> PositionInstrument { get; } = new();

        internal Column<decimal> PositionQuantity { get; } = new();

        internal Column<decimal> PositionEntry { get; } = new();

        internal List<Asset> Assets { get; } = [];

        internal List<string> Instruments { get; } = [];

        internal List<AccountProblem> Problems { get; } = [];

        /// <summary>The readable accounts added so far.</summary>
        public int Count => Ids.Count;

        /// <summary>Adds a readable account.</summary>
        /// <exception cref="InvalidOperationException">The book already has 65,536 distinct assets or instruments, or the builder has built its book.</exception>
        public Builder Add(Account account)
        {
            ArgumentNullException.ThrowIfNull(account);
            NotBuilt();
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
        /// <exception cref="InvalidOperationException">The builder has built its book.</exception>
        public Builder AddUnreadable(string accountId, string problem)
        {
            NotBuilt();
            Problems.Add(new AccountProblem(accountId ?? string.Empty, problem ?? "unreadable"));
            return this;
        }

        /// <summary>Builds the book, moving the accounts into arrays of their exact size; the builder is spent.</summary>
        /// <exception cref="InvalidOperationException">The builder has built its book already.</exception>
        public CompactBook Build()
        {
            NotBuilt();
            _built = true;
            return new(this);
        }

        private void NotBuilt()
        {
            if (_built)
            {
                throw new InvalidOperationException("this builder has built its book; a builder builds one book (start a new one)");
            }
        }

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

/// <summary>A column of a book being built: items in segments of <see cref="Segmented{T}.SegmentSize"/>, sealed into the book's column without a copy.</summary>
internal sealed class Column<T>
{
    private readonly List<T[]> _segments = [];

    /// <summary>The items added.</summary>
    public int Count { get; private set; }

    public void Add(T item)
    {
        var offset = Count & (Segmented<T>.SegmentSize - 1);
        if (offset == 0)
        {
            _segments.Add(new T[Segmented<T>.SegmentSize]);
        }

        _segments[^1][offset] = item;
        Count++;
    }

    /// <summary>The items as a read-only column: the segments themselves, the last trimmed to its items; the column is empty afterwards.</summary>
    public Segmented<T> Seal()
    {
        var last = Count & (Segmented<T>.SegmentSize - 1);
        if (last != 0)
        {
            var trimmed = _segments[^1];
            Array.Resize(ref trimmed, last);
            _segments[^1] = trimmed;
        }

        var sealedColumn = new Segmented<T>([.. _segments], Count);
        _segments.Clear();
        Count = 0;
        return sealedColumn;
    }
}

/// <summary>A read-only column of a <see cref="CompactBook"/>: its items in segments of <see cref="SegmentSize"/> (the last one shorter).</summary>
internal sealed class Segmented<T>(T[][] segments, int length)
{
    /// <summary>8,192 items a segment: 128 KiB of decimals, few segments for a book of millions, little unused space in a small book.</summary>
    public const int SegmentSize = 1 << SegmentShift;

    private const int SegmentShift = 13;

    public int Length { get; } = length;

    public T this[int index] => segments[index >> SegmentShift][index & (SegmentSize - 1)];

    /// <summary>The bytes the segments take: their headers and references, and <paramref name="itemBytes"/> per item.</summary>
    public long Bytes(int itemBytes) => 24 + (32L * segments.Length) + ((long)Length * itemBytes);
}

/// <summary>An account and what went wrong with it in a stress run: it could not be read, the engine refused it, or it got no liquidation plan.</summary>
/// <param name="AccountId">The account's id (or row key).</param>
/// <param name="Problem">What was wrong, and where.</param>
public sealed record AccountProblem(string AccountId, string Problem);
