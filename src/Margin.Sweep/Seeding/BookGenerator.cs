using System.Globalization;
using Margin.Engine.Accounts;
using Margin.Engine.Domain;
using Margin.Engine.Instruments;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;

namespace Margin.Sweep.Seeding;

/// <summary>Generates realistic, deterministic books of accounts for a parameter set at a snapshot's prices (<c>margin seed</c>, the demo).</summary>
/// <remarks>
/// <para>
/// <b>Deterministic and streaming.</b> Account <c>i</c> depends only on (<c>seed</c>, <c>i</c>), the parameters, the
/// snapshot and the profile: its random numbers come from a generator seeded by the pair, so it is the same account
/// whatever the count, whichever range it is generated in, and on every run (on a given platform and build, as the
/// engine's results). Nothing is kept between accounts: a book of any size streams in constant memory, and
/// <see cref="GenerateAccount"/> makes one account without the ones before it. Ids are <see cref="AccountId"/>:
/// <c>acct-000001</c> for index 0, zero-padded so that they sort in index order.
/// </para>
/// <para>
/// <b>What a book holds</b> (docs/demo.md): a share of empty accounts, collateral-only holders (some borrowing) and
/// traders; collateral mostly in stablecoins, often BTC and ETH, sometimes altcoins (classes from
/// <see cref="AssetRiskParameters.AssetClass"/>, popularity by depth); about a third borrow; perpetuals on most traders,
/// dated futures and options on fewer; a few portfolio-mode accounts when the parameters offer it. Sizes are log-normal,
/// from tens of USD to whales. Each margined account is sized for a maintenance utilisation drawn from the profile's risk
/// bands, with entry prices moved from the marks by the underlying's volatility over a random holding period; the engine
/// decides its status. Every balance and position is a whole number of lots, only borrowable assets are owed, and only
/// usably priced, unexpired instruments are traded, so every account evaluates.
/// </para>
/// </remarks>
public sealed class BookGenerator
{
    /// <summary>The most accounts a book may have: ids have six digits.</summary>
    public const int MaxAccounts = 999_999;

    private const double StableChance = 0.85;
    private const double SecondStableChance = 0.12;
    private const double MajorChance = 0.45;
    private const double AltChance = 0.08;
    private const double PerpetualChance = 0.92;
    private const double FuturesTraderPerpetualChance = 0.5;
    private const double LongChance = 0.6;
    private const double LongOptionChance = 0.6;
    private const int EntryDigits = 6;

    private readonly BookUniverse _universe;
    private readonly SeedInstrument[] _portfolioPerpetuals;
    private readonly SeedInstrument[] _portfolioFutures;
    private readonly SeedInstrument[] _portfolioOptions;

    /// <summary>Prepares a generator for a parameter set at a snapshot's prices.</summary>
    /// <param name="parameters">The assets and instruments accounts may use.</param>
    /// <param name="snapshot">The prices accounts are sized at, usually a <see cref="ReferenceSnapshot"/>; only usable prices are used.</param>
    /// <param name="profile">The shape of the book; null for <see cref="BookProfile.Default"/>.</param>
    /// <exception cref="ArgumentException">The profile is invalid (every problem listed), the snapshot is not quoted in the settlement currency, or it prices none of the assets usably.</exception>
    public BookGenerator(RiskParameters parameters, PriceSnapshot snapshot, BookProfile? profile = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(snapshot);
        Profile = profile ?? BookProfile.Default;
        if (Profile.Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException($"invalid book profile: {string.Join("; ", problems)}", nameof(profile));
        }

        if (snapshot.Quote != parameters.Settlement)
        {
            throw new ArgumentException($"snapshot {snapshot.Id} is quoted in {snapshot.Quote}, but parameters {parameters.Version} settle in {parameters.Settlement}", nameof(snapshot));
        }

        _universe = BookUniverse.Create(parameters, snapshot);
        _portfolioPerpetuals = [.. _universe.Perpetuals.Where(i => i.PortfolioReady)];
        _portfolioFutures = [.. _universe.Futures.Where(i => i.PortfolioReady)];
        _portfolioOptions = [.. _universe.Options.Where(i => i.PortfolioReady)];
    }

    /// <summary>The shape of the books this generator makes.</summary>
    public BookProfile Profile { get; }

    private enum Band
    {
        Calm,
        Stretched,
        Breached,
        Underwater,
    }

    private enum LegType
    {
        Linear,
        Inverse,
        ShortOption,
        Borrow,
    }

    /// <summary>The id of the account at a 0-based index: <c>acct-</c> and the 1-based number in six digits (<c>acct-000001</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is negative or not below <see cref="MaxAccounts"/>.</exception>
    public static string AccountId(int index)
    {
        CheckIndex(index, nameof(index));
        return "acct-" + (index + 1).ToString("D6", CultureInfo.InvariantCulture);
    }

    /// <summary>The accounts at indexes 0 to <paramref name="count"/> - 1, generated lazily one at a time.</summary>
    /// <param name="count">How many accounts, 0 to <see cref="MaxAccounts"/>.</param>
    /// <param name="seed">The book's seed; any value.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or above <see cref="MaxAccounts"/>.</exception>
    public IEnumerable<Account> Generate(int count, int seed) => Generate(count, seed, start: 0);

    /// <summary>The accounts at indexes <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> - 1, generated lazily; the same accounts as in any other range that includes them.</summary>
    /// <param name="count">How many accounts.</param>
    /// <param name="seed">The book's seed; any value.</param>
    /// <param name="start">The first index, 0-based.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative count or start, or a range beyond <see cref="MaxAccounts"/>.</exception>
    public IEnumerable<Account> Generate(int count, int seed, int start)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        if ((long)start + count > MaxAccounts)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"a book holds at most {MaxAccounts} accounts (indexes 0 to {MaxAccounts - 1}); {start} + {count} is beyond that");
        }

        return Iterate(count, seed, start);
    }

    /// <summary>The account at one 0-based index of the book with this seed.</summary>
    /// <param name="index">The index, 0 to <see cref="MaxAccounts"/> - 1; the id is <see cref="AccountId"/> of it.</param>
    /// <param name="seed">The book's seed; any value.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is out of range.</exception>
    public Account GenerateAccount(int index, int seed)
    {
        var id = AccountId(index);
        var rng = new SeedRandom(seed, index);
        var p = Profile;
        var version = 1L + (long)Math.Floor(Math.Exp(rng.NextDouble() * Math.Log(500.0)));
        var roll = rng.NextDouble();
        if (roll < p.EmptyShare)
        {
            return Account.Create(id, version, MarginMode.Standard, [], []);
        }

        var trader = roll >= p.EmptyShare + p.CollateralOnlyShare;
        var portfolio = trader && _universe.PortfolioOffered && rng.Chance(p.PortfolioShare);
        var borrows = rng.Chance(p.BorrowShare) && _universe.Borrowables.Length > 0;
        var size = Math.Clamp(p.MedianSizeUsd * Math.Exp(p.SizeSpread * rng.Normal()), 1.0, p.MaxSizeUsd);
        var band = trader || borrows ? DrawBand(ref rng, allowUnderwater: trader) : Band.Calm;
        if (band == Band.Underwater)
        {
            borrows = false;
        }

        var draft = new Draft(portfolio);
        var borrowed = borrows ? PickBorrow(ref rng) : null;
        Hold(ref rng, draft, size, borrowed);
        if (trader)
        {
            Trade(ref rng, draft, band, size);
        }

        if (borrowed is not null)
        {
            draft.Legs.Add(new Leg { Type = LegType.Borrow, Asset = borrowed, Pnl = BoughtWeight(draft, borrowed) - borrowed.LiabilityWeight, MmPerUnit = (double)borrowed.Parameters.Borrow!.MaintenanceRate });
        }

        if (band == Band.Underwater)
        {
            SizeUnderwater(ref rng, draft);
        }
        else if (draft.Legs.Count > 0)
        {
            Size(ref rng, draft, band);
        }

        Realize(draft);
        return Account.Create(id, version, portfolio ? MarginMode.Portfolio : MarginMode.Standard, draft.Balances.Where(b => b.Quantity != 0m), draft.Positions);
    }

    private IEnumerable<Account> Iterate(int count, int seed, int start)
    {
        for (var i = start; i < start + count; i++)
        {
            yield return GenerateAccount(i, seed);
        }
    }

    private static void CheckIndex(int index, string name)
    {
        if (index is < 0 or >= MaxAccounts)
        {
            throw new ArgumentOutOfRangeException(name, index, $"an account index must be in [0, {MaxAccounts - 1}]");
        }
    }

    private Band DrawBand(ref SeedRandom rng, bool allowUnderwater)
    {
        var x = rng.NextDouble();
        if (allowUnderwater)
        {
            if (x < Profile.UnderwaterShare)
            {
                return Band.Underwater;
            }

            x -= Profile.UnderwaterShare;
        }

        return x < Profile.BreachedShare ? Band.Breached
            : x < Profile.BreachedShare + Profile.StretchedShare ? Band.Stretched
            : Band.Calm;
    }

    private SeedAsset PickBorrow(ref SeedRandom rng)
    {
        var candidates = _universe.Borrowables;
        Span<double> weights = stackalloc double[candidates.Length];
        for (var i = 0; i < candidates.Length; i++)
        {
            // Most borrowing is of stablecoins (leveraged longs); borrowing a coin is a short.
            weights[i] = candidates[i].Popularity * (IsStable(candidates[i]) ? 3.0 : 1.0);
        }

        return candidates[rng.Pick(weights)];
    }

    /// <summary>The collateral: a stablecoin or two, often BTC or ETH, sometimes altcoins, splitting <paramref name="size"/> USD.</summary>
    private void Hold(ref SeedRandom rng, Draft draft, double size, SeedAsset? borrowed)
    {
        var chosen = new List<(SeedAsset Asset, double Weight)>(4);
        var stables = _universe.Stables.Where(s => !Same(s, borrowed)).ToArray();
        if (stables.Length > 0 && rng.Chance(StableChance))
        {
            var first = PickOne(ref rng, stables);
            chosen.Add((first, 1.5 * rng.Exponential()));
            if (stables.Length > 1 && rng.Chance(SecondStableChance))
            {
                var second = PickOne(ref rng, [.. stables.Where(s => !Same(s, first))]);
                chosen.Add((second, 1.5 * rng.Exponential()));
            }
        }

        AddByPopularity(ref rng, chosen, _universe.Majors, MajorChance, borrowed);
        AddByPopularity(ref rng, chosen, _universe.Alts, AltChance, borrowed);
        if (chosen.Count == 0)
        {
            var fallback = stables.FirstOrDefault() ?? _universe.Majors.Concat(_universe.Alts).First(a => !Same(a, borrowed));
            chosen.Add((fallback, 1.0));
        }

        var total = chosen.Sum(c => c.Weight);
        foreach (var (asset, weight) in chosen)
        {
            draft.Add(asset.Asset, Lots(size * weight / total / (double)asset.Price, asset.Parameters.LotSize, nearest: false));
            draft.Held.Add(asset);
        }

        foreach (var asset in draft.Held)
        {
            var quantity = draft.Quantity(asset.Asset);
            var value = quantity * asset.Price;
            draft.Equity += (double)value;
            draft.AdjustedEquity += draft.Portfolio && asset.GridRange > 0.0
                ? (double)value * (1.0 - asset.GridRange)
                : (double)CollateralWeights.Adjusted(asset.Parameters.Maintenance, value, quantity, asset.Parameters.DepthUsd, asset.Sigma);
        }
    }

    private static void AddByPopularity(ref SeedRandom rng, List<(SeedAsset Asset, double Weight)> chosen, SeedAsset[] assets, double chance, SeedAsset? borrowed)
    {
        if (assets.Length == 0)
        {
            return;
        }

        var top = assets.Max(a => a.Popularity);
        foreach (var asset in assets)
        {
            if (rng.Chance(chance * asset.Popularity / top) && !Same(asset, borrowed))
            {
                chosen.Add((asset, rng.Exponential()));
            }
        }
    }

    /// <summary>A trader's positions: perpetuals mostly, sometimes dated futures and options; their entry prices; long options paid for.</summary>
    private void Trade(ref SeedRandom rng, Draft draft, Band band, double size)
    {
        var perpetuals = draft.Portfolio ? _portfolioPerpetuals : _universe.Perpetuals;
        var futures = draft.Portfolio ? _portfolioFutures : _universe.Futures;
        var options = draft.Portfolio ? _portfolioOptions : _universe.Options;
        // Futures traders are often basis or calendar traders without perpetuals.
        var wantFutures = rng.Chance(Profile.FuturesShare);
        var wantPerpetuals = rng.Chance(wantFutures ? FuturesTraderPerpetualChance : PerpetualChance);
        var wantOptions = rng.Chance(Profile.OptionsShare) && band != Band.Underwater;
        if (!wantPerpetuals && !(wantFutures && futures.Length > 0) && !(wantOptions && options.Length > 0))
        {
            wantPerpetuals = true;
        }

        var contracts = new List<SeedInstrument>(4);
        if (wantPerpetuals)
        {
            var n = 1;
            while (n < 4 && rng.Chance(0.35))
            {
                n++;
            }

            PickDistinct(ref rng, perpetuals, n, contracts);
        }

        if (wantFutures)
        {
            PickDistinct(ref rng, futures, rng.Chance(0.3) ? 2 : 1, contracts);
        }

        if (contracts.Count == 0 && perpetuals.Length == 0 && futures.Length > 0 && !wantOptions)
        {
            PickDistinct(ref rng, futures, 1, contracts);
        }

        foreach (var instrument in contracts)
        {
            var inverse = instrument.Instrument is Perpetual { Contract: ContractType.Inverse } or Future { Contract: ContractType.Inverse };
            var pnl = band == Band.Underwater
                ? -rng.Uniform(0.04, 0.25)
                : Math.Clamp(instrument.Sigma * Math.Sqrt(Profile.MeanHoldingDays * rng.Exponential() / 365.0) * rng.Normal(), -0.5, 0.5);
            draft.Legs.Add(new Leg { Type = inverse ? LegType.Inverse : LegType.Linear, Instrument = instrument, Long = rng.Chance(LongChance), Pnl = pnl });
        }

        if (wantOptions && options.Length > 0)
        {
            var n = 1;
            while (n < 3 && rng.Chance(0.4))
            {
                n++;
            }

            var picked = new List<SeedInstrument>(n);
            PickDistinct(ref rng, options, n, picked);
            foreach (var option in picked)
            {
                var o = (EuropeanOption)option.Instrument;
                var multiplier = (double)o.Multiplier;
                var mark = (double)option.Mark;
                if (rng.Chance(LongOptionChance))
                {
                    // A long option: some of the account's size went into premium, now worth the mark.
                    var quantity = Lots(rng.Uniform(0.01, 0.08) * size / (mark * multiplier), o.LotSize, nearest: true);
                    if (quantity > 0m)
                    {
                        draft.Positions.Add(new Position(o.Id, quantity, 0m));
                        var value = (double)(quantity * option.Mark * o.Multiplier);
                        draft.Equity += value;
                        draft.AdjustedEquity += value * _universe.LongOptionWeight;
                    }

                    continue;
                }

                var spot = (double)option.UnderlyingPrice;
                var perUnit = draft.Portfolio
                    ? (0.5 * option.GridRange * spot) + mark
                    : Math.Max(((double)option.Parameters.ShortOptionMaintenance!.Value.A * spot) - (double)o.OutOfTheMoney(option.UnderlyingPrice), (double)option.Parameters.ShortOptionMaintenance!.Value.B * spot) + mark;
                draft.Legs.Add(new Leg { Type = LegType.ShortOption, Instrument = option, MmPerUnit = perUnit * multiplier });
            }
        }
    }

    /// <summary>The maintenance weight of what a borrow buys: the account's coins for a borrowed stablecoin (BTC when it has none), cash for a borrowed coin.</summary>
    private double BoughtWeight(Draft draft, SeedAsset borrowed)
    {
        draft.Bought.Clear();
        if (IsStable(borrowed))
        {
            draft.Bought.AddRange(draft.Held.Where(h => !IsStable(h)));
            if (draft.Bought.Count == 0)
            {
                draft.Bought.Add(_universe.Majors.Concat(_universe.Alts).Where(a => !Same(a, borrowed)).MaxBy(a => a.Popularity) ?? _universe.Cash);
            }
        }

        if (draft.Bought.Count == 0)
        {
            draft.Bought.Add(!Same(_universe.Cash, borrowed) ? _universe.Cash : _universe.Stables.Concat(_universe.Majors).Concat(_universe.Alts).First(a => !Same(a, borrowed)));
        }

        return draft.Bought.Average(a => draft.Portfolio && a.GridRange > 0.0 ? 1.0 - a.GridRange : a.AssetWeight);
    }

    /// <summary>Sizes the legs for the band's utilisation: the MM budget <c>M</c> solves <c>M = u * (AE_M + sum of the legs' AE changes)</c>, shared among the legs at random.</summary>
    private static void Size(ref SeedRandom rng, Draft draft, Band band)
    {
        var u = band switch
        {
            Band.Calm => 0.02 + (0.35 * Square(rng.NextDouble())),
            Band.Stretched => 0.5 + (0.48 * Math.Pow(rng.NextDouble(), 0.7)),
            _ => rng.Uniform(1.02, 2.5),
        };
        Share(ref rng, draft.Legs);
        var ae = Math.Max(draft.AdjustedEquity, 1.0);

        double Excess(double budget)
        {
            var change = 0.0;
            foreach (var leg in draft.Legs)
            {
                change += leg.Pnl * ExposureFor(leg, leg.Share * budget, draft.Portfolio);
            }

            return budget - (u * (ae + change));
        }

        // Profits can make the equation unsolvable (the more exposure, the more equity): the budget is capped at 4 u AE.
        double low = 0.0, high = 4.0 * u * ae;
        if (Excess(high) < 0.0)
        {
            low = high;
        }

        for (var i = 0; i < 60 && high - low > 1e-9 * high; i++)
        {
            var mid = 0.5 * (low + high);
            if (Excess(mid) < 0.0)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        foreach (var leg in draft.Legs)
        {
            leg.Exposure = ExposureFor(leg, leg.Share * high, draft.Portfolio);
        }
    }

    /// <summary>Sizes an underwater account's losing contracts so that they lost 102 % to 130 % of its collateral.</summary>
    private static void SizeUnderwater(ref SeedRandom rng, Draft draft)
    {
        var loss = rng.Uniform(1.02, 1.3) * Math.Max(draft.Equity, 1.0);
        if (draft.Legs.Count == 0)
        {
            return;
        }

        Share(ref rng, draft.Legs);
        var perUnit = draft.Legs.Sum(l => l.Share * -l.Pnl);
        foreach (var leg in draft.Legs)
        {
            leg.Exposure = leg.Share * loss / perUnit;
        }
    }

    private static void Share(ref SeedRandom rng, List<Leg> legs)
    {
        var total = 0.0;
        foreach (var leg in legs)
        {
            leg.Share = 0.05 + rng.Exponential();
            total += leg.Share;
        }

        foreach (var leg in legs)
        {
            leg.Share /= total;
        }
    }

    /// <summary>The exposure whose maintenance requirement is <paramref name="mm"/>: a notional in USD (contracts, borrows) or a number of contracts (short options).</summary>
    private static double ExposureFor(Leg leg, double mm, bool portfolio) => leg.Type switch
    {
        LegType.Linear or LegType.Inverse => portfolio ? mm / leg.Instrument!.GridRange : NotionalFor(leg.Instrument!.Parameters.Brackets!, mm),
        _ => mm / leg.MmPerUnit,
    };

    /// <summary>Inverts the bracket requirement <c>MM = N * MMR(k) - cum(k)</c>, which is continuous and increasing in the notional <c>N</c>.</summary>
    private static double NotionalFor(BracketSchedule schedule, double mm)
    {
        var brackets = schedule.Brackets;
        for (var k = 0; k < brackets.Length; k++)
        {
            var notional = (mm + (double)schedule.CumulativeMaintenance(k)) / (double)schedule.MaintenanceRate(k);
            if (brackets[k].NotionalCap is not { } cap || notional <= (double)cap)
            {
                return notional;
            }
        }

        return mm / (double)schedule.MaintenanceRate(brackets.Length - 1);
    }

    /// <summary>Turns the sized legs into positions and balances, in whole lots.</summary>
    private void Realize(Draft draft)
    {
        foreach (var leg in draft.Legs)
        {
            switch (leg.Type)
            {
                case LegType.Linear:
                {
                    var instrument = leg.Instrument!;
                    var quantity = Lots(leg.Exposure / (double)instrument.Mark, instrument.Instrument.LotSize, nearest: true);
                    if (quantity > 0m)
                    {
                        // In the position's favour by Pnl per unit of notional: long q (mark - entry), short |q| (entry - mark).
                        var entry = (double)instrument.Mark * (leg.Long ? 1.0 - leg.Pnl : 1.0 + leg.Pnl);
                        draft.Positions.Add(new Position(instrument.Instrument.Id, leg.Long ? quantity : -quantity, Significant(entry)));
                    }

                    break;
                }

                case LegType.Inverse:
                {
                    var instrument = leg.Instrument!;
                    var quantity = Lots(leg.Exposure, instrument.Instrument.LotSize, nearest: true);
                    if (quantity > 0m)
                    {
                        // USD PnL of face q: q (mark / entry - 1) long, |q| (1 - mark / entry) short.
                        var entry = (double)instrument.Mark / (leg.Long ? 1.0 + leg.Pnl : 1.0 - leg.Pnl);
                        draft.Positions.Add(new Position(instrument.Instrument.Id, leg.Long ? quantity : -quantity, Significant(entry)));
                    }

                    break;
                }

                case LegType.ShortOption:
                {
                    var option = (EuropeanOption)leg.Instrument!.Instrument;
                    var quantity = Lots(leg.Exposure, option.LotSize, nearest: true);
                    if (quantity > 0m)
                    {
                        draft.Positions.Add(new Position(option.Id, -quantity, 0m));

                        // The premium received sits in cash.
                        var cash = _universe.Cash;
                        draft.Add(cash.Asset, Lots((double)(quantity * leg.Instrument.Mark * option.Multiplier / cash.Price), cash.Parameters.LotSize, nearest: false));
                    }

                    break;
                }

                case LegType.Borrow:
                {
                    var asset = leg.Asset!;
                    var owed = Lots(leg.Exposure / (double)asset.Price, asset.Parameters.LotSize, nearest: false);
                    if (owed == 0m)
                    {
                        break;
                    }

                    draft.Add(asset.Asset, -owed);
                    var proceeds = (double)(owed * asset.Price);
                    var values = draft.Bought.Select(b => Math.Max((double)(draft.Quantity(b.Asset) * b.Price), 0.0)).ToArray();
                    var total = values.Sum();
                    for (var i = 0; i < draft.Bought.Count; i++)
                    {
                        var target = draft.Bought[i];
                        var share = total > 0.0 ? values[i] / total : 1.0 / draft.Bought.Count;
                        draft.Add(target.Asset, Lots(proceeds * share / (double)target.Price, target.Parameters.LotSize, nearest: false));
                    }

                    break;
                }
            }
        }
    }

    private static SeedAsset PickOne(ref SeedRandom rng, SeedAsset[] assets)
    {
        Span<double> weights = stackalloc double[assets.Length];
        for (var i = 0; i < assets.Length; i++)
        {
            weights[i] = assets[i].Popularity;
        }

        return assets[rng.Pick(weights)];
    }

    private static void PickDistinct(ref SeedRandom rng, SeedInstrument[] pool, int count, List<SeedInstrument> into)
    {
        if (pool.Length == 0)
        {
            return;
        }

        Span<double> weights = pool.Length <= 128 ? stackalloc double[pool.Length] : new double[pool.Length];
        for (var i = 0; i < pool.Length; i++)
        {
            weights[i] = into.Contains(pool[i]) ? 0.0 : pool[i].Popularity;
        }

        for (var n = 0; n < count && n < pool.Length; n++)
        {
            var picked = rng.Pick(weights);
            if (weights[picked] == 0.0)
            {
                return;
            }

            into.Add(pool[picked]);
            weights[picked] = 0.0;
        }
    }

    private bool IsStable(SeedAsset asset) => _universe.Stables.Any(s => s.Asset == asset.Asset);

    private static bool Same(SeedAsset a, SeedAsset? b) => b is not null && a.Asset == b.Asset;

    private static double Square(double x) => x * x;

    /// <summary>A whole number of lots of <paramref name="lotSize"/> for <paramref name="units"/> (rounded down, or to the nearest); 0 when not one lot.</summary>
    private static decimal Lots(double units, decimal lotSize, bool nearest)
    {
        if (!double.IsFinite(units) || units <= 0.0)
        {
            return 0m;
        }

        var lots = units / (double)lotSize;
        lots = nearest ? Math.Round(lots) : Math.Floor(lots);
        return lots < 1.0 ? 0m : decimal.Round((decimal)lots, 0) * lotSize;
    }

    /// <summary>A price at <see cref="EntryDigits"/> significant digits, exactly as a decimal.</summary>
    private static decimal Significant(double price)
    {
        var exponent = (int)Math.Floor(Math.Log10(price));
        var decimals = Math.Clamp(EntryDigits - 1 - exponent, 0, 20);
        var rounded = decimal.Round((decimal)price, decimals, MidpointRounding.AwayFromZero);

        // Dividing by 1 at a high scale drops the trailing zeros: 93337 rather than 93337.0.
        return (rounded > 0m ? rounded : (decimal)price) / 1.000000000000000000000000000000000m;
    }

    /// <summary>One margined exposure being sized: a contract, a short option or a borrow.</summary>
    private sealed class Leg
    {
        public LegType Type { get; init; }

        public SeedInstrument? Instrument { get; init; }

        public SeedAsset? Asset { get; init; }

        public bool Long { get; init; }

        /// <summary>The change of AE_M per USD of notional: the PnL rate of a contract (in its favour), <c>w - l</c> of a borrow that buys collateral, 0 for a short option (premium in cash against the mark).</summary>
        public double Pnl { get; init; }

        /// <summary>The maintenance requirement per unit of exposure: per contract of a short option, the borrow MMR per USD.</summary>
        public double MmPerUnit { get; init; }

        /// <summary>This leg's share of the account's MM budget.</summary>
        public double Share { get; set; }

        /// <summary>The sized exposure: a USD notional (contracts, borrows) or contracts (short options).</summary>
        public double Exposure { get; set; }
    }

    /// <summary>An account being generated.</summary>
    private sealed class Draft(bool portfolio)
    {
        public bool Portfolio { get; } = portfolio;

        public List<Balance> Balances { get; } = new(6);

        public List<Position> Positions { get; } = new(6);

        public List<Leg> Legs { get; } = new(6);

        public List<SeedAsset> Held { get; } = new(4);

        public List<SeedAsset> Bought { get; } = new(4);

        /// <summary>The USD value of the collateral and long options, before any PnL.</summary>
        public double Equity { get; set; }

        /// <summary>Their maintenance-weighted value (a grid asset in portfolio mode at one minus its range).</summary>
        public double AdjustedEquity { get; set; }

        public decimal Quantity(Asset asset)
        {
            foreach (var b in Balances)
            {
                if (b.Asset == asset)
                {
                    return b.Quantity;
                }
            }

            return 0m;
        }

        public void Add(Asset asset, decimal quantity)
        {
            if (quantity == 0m)
            {
                return;
            }

            for (var i = 0; i < Balances.Count; i++)
            {
                if (Balances[i].Asset == asset)
                {
                    Balances[i] = Balances[i] with { Quantity = Balances[i].Quantity + quantity };
                    return;
                }
            }

            Balances.Add(new Balance(asset, quantity));
        }
    }
}
