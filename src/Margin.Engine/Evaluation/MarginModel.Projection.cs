using System.Buffers;
using Margin.Engine.Accounts;
using Margin.Engine.Instruments;
using Margin.Engine.Parameters;
using Margin.Engine.Prices;
using Margin.Engine.Pricing;
using Margin.Engine.Results;

namespace Margin.Engine.Evaluation;

/// <summary>The pre-emptive projection of MARGIN-MODEL.md section 5 (standard mode; portfolio mode projects in its own file).</summary>
public sealed partial class MarginModel
{
    private readonly Projection _projection;

    /// <summary>Which prices a computation reads: the snapshot's, or the projection's.</summary>
    private interface IPriceView
    {
        AssetState Asset(int index);

        decimal Mark(InstrumentState instrument);
    }

    /// <summary>The projected summary of a standard-mode account and the <see cref="MarginFlags.AtRisk"/> flag.</summary>
    /// <remarks>
    /// Every asset moves adversely by <c>m_a = z_p * sigma_short * sqrt(h)</c>: down when the account's net delta in it is
    /// not negative, up when it is short. Perpetuals and futures follow their underlying's move, options move by their
    /// Black-76 value change (or their intrinsic value change when no volatility is known), volatility-scaled weights use
    /// <c>max(sigma_short, sigma_long)</c>. The account is then evaluated exactly as at the snapshot's prices. Accounts
    /// already liquidatable or bankrupt are not projected.
    /// </remarks>
    private MarginSummary WithProjection(Account account, EvaluationContext context, MarginSummary summary)
    {
        if (context.SkipProjection || summary.Status >= MarginStatus.Liquidatable || !_projection.Moves.AsSpan().ContainsAnyExcept(0.0))
        {
            return summary;
        }

        var n = _assets.Length;
        double[]? rentedDelta = null;
        var delta = n <= StackLimit ? stackalloc double[n] : (rentedDelta = ArrayPool<double>.Shared.Rent(n)).AsSpan(0, n);
        var up = ArrayPool<bool>.Shared.Rent(n);
        try
        {
            delta.Clear();
            NetDeltas(account, delta);
            for (var i = 0; i < n; i++)
            {
                up[i] = delta[i] < 0.0;
            }

            var sink = default(NoSink);
            MarginSummary projected;
            try
            {
                projected = Compute(account, context, ref sink, new ProjectedPrices(_projection, up));
            }
            catch (InvalidAccountException)
            {
                // Only an overflow at the moved prices can fail here (the account passed at the snapshot's prices):
                // a projection too large to compute is at risk.
                return summary with { ProjectedRatio = double.PositiveInfinity, Flags = summary.Flags | MarginFlags.AtRisk };
            }

            var atRisk = projected.Status >= MarginStatus.Liquidatable;
            return summary with
            {
                ProjectedRatio = projected.MarginRatio,
                Flags = atRisk ? summary.Flags | MarginFlags.AtRisk : summary.Flags,
            };
        }
        finally
        {
            ArrayPool<bool>.Shared.Return(up);
            if (rentedDelta is not null)
            {
                ArrayPool<double>.Shared.Return(rentedDelta);
            }
        }
    }

    /// <summary>The account's net delta per asset index, in units of the asset (only the sign is used).</summary>
    private void NetDeltas(Account account, Span<double> delta)
    {
        foreach (var b in account.Balances)
        {
            if (b.Quantity != 0m && _assetIndex.TryGetValue(b.Asset.Symbol, out var idx))
            {
                delta[idx] += (double)b.Quantity;
            }
        }

        foreach (var p in account.Positions)
        {
            if (p.Quantity != 0m && _instruments.TryGetValue(p.InstrumentId, out var inst))
            {
                delta[inst.UnderlyingIndex] += (double)p.Quantity * inst.UnitDelta(p.EntryPrice);
            }
        }
    }

    private readonly struct CurrentPrices(AssetState[] assets) : IPriceView
    {
        public AssetState Asset(int index) => assets[index];

        public decimal Mark(InstrumentState instrument) => instrument.Mark;
    }

    private readonly struct ProjectedPrices(Projection projection, bool[] up) : IPriceView
    {
        public AssetState Asset(int index) => up[index] ? projection.Up[index] : projection.Down[index];

        public decimal Mark(InstrumentState instrument) => up[instrument.UnderlyingIndex] ? instrument.MarkUp : instrument.MarkDown;
    }

    /// <summary>Per asset: the adverse move and the asset states at the moved prices.</summary>
    private sealed class Projection
    {
        public required double[] Moves { get; init; }

        public required double[] RangeScales { get; init; }

        public required AssetState[] Down { get; init; }

        public required AssetState[] Up { get; init; }

        /// <summary>The largest move a price may take down: a projected price stays positive.</summary>
        public const double MaximumMove = 0.95;

        public static Projection Create(RiskParameters parameters, PriceSnapshot snapshot, AssetState[] assets)
        {
            var n = assets.Length;
            var moves = new double[n];
            var scales = new double[n];
            var down = new AssetState[n];
            var up = new AssetState[n];
            var z = parameters.Projection.Multiplier;
            var sqrtH = Math.Sqrt(parameters.Projection.HorizonYears);
            for (var i = 0; i < n; i++)
            {
                var st = assets[i];
                scales[i] = 1.0;
                if (st.Defect is null && snapshot.Assets.TryGetValue(st.Parameters.Asset.Symbol, out var price))
                {
                    var shortSigma = price.SigmaShort ?? price.SigmaLong ?? 0.0;
                    // Rounded up to a millionth: the moved prices keep few digits, so decimal arithmetic on them stays
                    // on its fast path, and the rounding only makes the move more adverse.
                    moves[i] = Math.Min(Math.Ceiling(z * shortSigma * sqrtH * 1e6) / 1e6, MaximumMove);
                    if (price.SigmaShort is { } s && price.SigmaLong is { } l && l > 0.0)
                    {
                        scales[i] = Math.Max(1.0, s / l);
                    }

                    var sigma = Math.Max(price.SigmaShort ?? 0.0, price.SigmaLong ?? 0.0);
                    down[i] = st.Moved(1m - (decimal)moves[i], sigma);
                    up[i] = st.Moved(1m + (decimal)moves[i], sigma);
                }
                else
                {
                    down[i] = st;
                    up[i] = st;
                }
            }

            return new Projection { Moves = moves, RangeScales = scales, Down = down, Up = up };
        }
    }

    private sealed partial class AssetState
    {
        /// <summary>This asset at its prices times <paramref name="factor"/>, with volatility-scaled weights at <paramref name="sigma"/>.</summary>
        public AssetState Moved(decimal factor, double sigma) => new()
        {
            Parameters = Parameters,
            Initial = Initial is null ? null : new CompiledWeightSchedule(Parameters.Initial, Parameters.DepthUsd, sigma),
            Maintenance = Maintenance is null ? null : new CompiledWeightSchedule(Parameters.Maintenance, Parameters.DepthUsd, sigma),
            Price = Price * factor,
            LowPrice = LowPrice * factor,
            HighPrice = HighPrice * factor,
            Unusable = Unusable,
            Defect = Defect,
        };
    }

    private sealed partial record InstrumentState
    {
        /// <summary>The mark when the underlying moves down by its projection move.</summary>
        public decimal MarkDown { get; init; }

        /// <summary>The mark when the underlying moves up by its projection move.</summary>
        public decimal MarkUp { get; init; }

        /// <summary>Per contract of an option: the delta to the underlying's price in units (Black-76 when a volatility is known, else the intrinsic step).</summary>
        public double OptionDelta { get; init; }

        /// <summary>The delta of one unit of position quantity, in units of the underlying.</summary>
        /// <remarks>Linear: 1 per base unit; inverse: <c>1 / entry</c> per USD of face (the contract and its PnL coins together); options: their delta.</remarks>
        public double UnitDelta(decimal entryPrice) => Kind switch
        {
            InstrumentKind.LinearPerpetual or InstrumentKind.LinearFuture => 1.0,
            InstrumentKind.InversePerpetual or InstrumentKind.InverseFuture => entryPrice > 0m ? 1.0 / (double)entryPrice : 0.0,
            _ => OptionDelta,
        };

        /// <summary>This instrument with its projected marks for an underlying move of <c>-/+ move</c>.</summary>
        public InstrumentState WithProjection(double move, AssetState underlying, InstrumentRiskParameters p, PriceSnapshot snapshot, PortfolioBook? book)
        {
            if (Defect is not null || underlying.Defect is not null)
            {
                return this;
            }

            var factor = (decimal)move;
            if (Option is not { } option)
            {
                return this with { MarkDown = Mark * (1m - factor), MarkUp = Mark * (1m + factor) };
            }

            var spot = (double)underlying.Price;
            var strike = (double)option.Strike;
            var multiplier = (double)option.Multiplier;
            if (book is not null && book.Options.TryGetValue(p.Instrument.Id, out var cached) && cached.Defect is null)
            {
                // Per contract shifts and delta from the scenario cache, per unit of multiplier here (the mark is per unit).
                return this with
                {
                    MarkDown = Shifted(Mark, cached.ProjectedShift[0] / multiplier),
                    MarkUp = Shifted(Mark, cached.ProjectedShift[1] / multiplier),
                    OptionDelta = cached.Delta,
                };
            }

            var years = PortfolioBook.YearsTo(option.ExpiresAt, snapshot.AsOf);
            if (snapshot.Instruments.TryGetValue(p.Instrument.Id, out var price) && price.ImpliedVolatility is { } vol && !Expired)
            {
                var v0 = Black76.Price(option.Right, spot, strike, years, vol, 0.0);
                return this with
                {
                    MarkDown = Shifted(Mark, Black76.Price(option.Right, spot * (1.0 - move), strike, years, vol, 0.0) - v0),
                    MarkUp = Shifted(Mark, Black76.Price(option.Right, spot * (1.0 + move), strike, years, vol, 0.0) - v0),
                    OptionDelta = multiplier * Black76.Value(option.Right, spot, strike, years, vol, 0.0).Delta,
                };
            }

            var call = option.Right == OptionRight.Call;
            double Intrinsic(double s) => call ? Math.Max(0.0, s - strike) : Math.Max(0.0, strike - s);
            return this with
            {
                MarkDown = Shifted(Mark, Intrinsic(spot * (1.0 - move)) - Intrinsic(spot)),
                MarkUp = Shifted(Mark, Intrinsic(spot * (1.0 + move)) - Intrinsic(spot)),
                // Without a volatility the delta's size is a guess, but its sign must be right (a short call is short the
                // underlying even out of the money): 1 in the money, one half otherwise.
                OptionDelta = multiplier * (call ? (spot > strike ? 1.0 : 0.5) : (spot < strike ? -1.0 : -0.5)),
            };
        }

        /// <summary>A mark moved by a USD change, never below 0.</summary>
        /// <remarks>The change is rounded to 1e-8 USD, far below any price increment, to keep the mark's digits few, and bounded at 1e20 USD so that an absurd price cannot fail the model's creation.</remarks>
        private static decimal Shifted(decimal mark, double change) => Math.Max(0m, mark + Math.Round((decimal)Math.Clamp(change, -1e20, 1e20), 8));
    }
}
