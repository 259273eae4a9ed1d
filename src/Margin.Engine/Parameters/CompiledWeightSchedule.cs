namespace Margin.Engine.Parameters;

/// <summary>A <see cref="WeightSchedule"/> prepared for one asset, depth and volatility: tiers as arrays with cumulative values, the volatility haircut computed once.</summary>
/// <remarks>Built once per (snapshot, parameters) by the margin model; immutable and thread-safe.</remarks>
internal sealed class CompiledWeightSchedule
{
    private readonly decimal _assetWeight;
    private readonly decimal _liabilityWeight;
    private readonly bool _unitAssetWeight;
    private readonly bool _unitLiabilityWeight;
    private readonly decimal[] _tierFloors;
    private readonly decimal[] _tierCaps;
    private readonly decimal[] _tierRates;
    private readonly decimal[] _tierBase;
    private readonly decimal _tiersBindAbove;
    private readonly bool _tiersNeverAboveFlat;
    private readonly SizePremium? _premium;
    private readonly bool _volatility;
    private readonly decimal _assetHaircut;
    private readonly decimal _liabilityHaircut;
    private readonly decimal _depth;

    public CompiledWeightSchedule(WeightSchedule schedule, decimal depthUsd, double sigma)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        _assetWeight = schedule.AssetWeight;
        _liabilityWeight = schedule.LiabilityWeight;
        _unitAssetWeight = _assetWeight == 1m;
        _unitLiabilityWeight = _liabilityWeight == 1m;
        var tiers = schedule.Tiers.IsDefault ? [] : schedule.Tiers;
        _tierFloors = new decimal[tiers.Length];
        _tierCaps = new decimal[tiers.Length];
        _tierRates = new decimal[tiers.Length];
        _tierBase = new decimal[tiers.Length];
        var floor = 0m;
        var cumulative = 0m;
        for (var k = 0; k < tiers.Length; k++)
        {
            _tierFloors[k] = floor;
            _tierCaps[k] = tiers[k].UpToUsd ?? decimal.MaxValue;
            _tierRates[k] = tiers[k].Rate;
            // Inside band k the tiered value is cumulative + (V - floor) * rate. Not (cumulative - floor * rate) + V * rate:
            // that subtracts two large numbers, and its last-digit rounding can favour the account.
            _tierBase[k] = cumulative;
            if (tiers[k].UpToUsd is { } cap)
            {
                cumulative += (cap - floor) * tiers[k].Rate;
                floor = cap;
            }
        }

        TierTotal = cumulative;

        // Below the floor of the first band whose rate is under the flat weight, the tiers count at least the flat
        // weight, so the minimum is the flat value and the tier arithmetic can be skipped.
        _tiersNeverAboveFlat = tiers.All(t => t.Rate <= schedule.AssetWeight);
        _tiersBindAbove = decimal.MaxValue;
        for (var k = 0; k < tiers.Length; k++)
        {
            if (tiers[k].Rate < schedule.AssetWeight)
            {
                _tiersBindAbove = _tierFloors[k];
                break;
            }

            if (tiers[k].UpToUsd is null)
            {
                break;
            }

            if (k == tiers.Length - 1)
            {
                // Beyond a bounded last band nothing more counts: from its cap on, the tiers fall behind the flat value.
                _tiersBindAbove = _tierCaps[k];
            }
        }
        _premium = schedule.SizePremium is { Imf: > 0m } p ? p : null;
        if (schedule.VolatilityScaling is { } vol)
        {
            _volatility = true;
            _assetHaircut = CollateralWeights.HaircutFloor(1m - schedule.AssetWeight, vol, sigma);
            _liabilityHaircut = CollateralWeights.HaircutFloor(schedule.LiabilityWeight - 1m, vol, sigma);
        }

        _depth = depthUsd;
    }

    /// <summary>
    /// The USD value up to which a holding counts exactly <c>value * AssetWeight</c> (no tier, size premium or
    /// volatility term binds below it); 0 when a size premium or volatility scaling applies.
    /// </summary>
    public decimal LinearUpTo => _premium is null && !_volatility ? _tiersBindAbove : 0m;

    /// <summary>Whether a liability always counts exactly <c>value * LiabilityWeight</c> (no size premium or volatility scaling).</summary>
    public bool LinearLiability => _premium is null && !_volatility;

    /// <summary>The flat liability weight.</summary>
    public decimal LiabilityWeight => _liabilityWeight;

    /// <summary>The flat asset weight.</summary>
    public decimal AssetWeight => _assetWeight;

    /// <summary>The adjusted value of everything up to the last bounded tier cap.</summary>
    private decimal TierTotal { get; }

    /// <summary>The adjusted value of a holding (<paramref name="value"/> &gt;= 0) or a liability (&lt; 0); see <see cref="CollateralWeights.Adjusted"/>.</summary>
    /// <param name="value">USD value at the level's price.</param>
    /// <param name="quantity">The signed quantity in asset units; its absolute value is the size for the size premium.</param>
    public decimal Adjusted(decimal value, decimal quantity)
    {
        if (!decimal.IsNegative(value))
        {
            decimal adjusted;
            if (value <= _tiersBindAbove)
            {
                adjusted = _unitAssetWeight ? value : value * _assetWeight;
            }
            else if (_tiersNeverAboveFlat)
            {
                // Every band's rate is at most the flat weight, so the tiered value is the minimum of the two.
                adjusted = Tiered(value);
            }
            else
            {
                adjusted = Math.Min(_unitAssetWeight ? value : value * _assetWeight, Tiered(value));
            }

            if (_premium is not null)
            {
                adjusted = Math.Min(adjusted, value * CollateralWeights.SizePremiumAssetWeight(_assetWeight, _premium, Math.Abs(quantity)));
            }

            if (_volatility)
            {
                adjusted = Math.Min(adjusted, CollateralWeights.VolatilityScaledAsset(value, _assetHaircut, _depth));
            }

            return adjusted;
        }
        else
        {
            var adjusted = _unitLiabilityWeight ? value : value * _liabilityWeight;
            if (_premium is not null)
            {
                adjusted = Math.Min(adjusted, value * CollateralWeights.SizePremiumLiabilityWeight(_liabilityWeight, _premium, Math.Abs(quantity)));
            }

            if (_volatility)
            {
                adjusted = Math.Min(adjusted, CollateralWeights.VolatilityScaledLiability(-value, _liabilityHaircut, _depth));
            }

            return adjusted;
        }
    }

    /// <summary>The effective weight at a value of zero (the limit of <c>adjusted / value</c>); see <see cref="CollateralWeights.WeightAtZero"/>.</summary>
    public decimal WeightAtZero(bool liability)
    {
        if (liability)
        {
            var l = _liabilityWeight;
            if (_premium is not null)
            {
                l = Math.Max(l, CollateralWeights.SizePremiumLiabilityWeight(_liabilityWeight, _premium, 0m));
            }

            return _volatility ? Math.Max(l, 1m + _liabilityHaircut) : l;
        }

        var w = _assetWeight;
        if (_tierRates.Length > 0)
        {
            w = Math.Min(w, _tierRates[0]);
        }

        if (_premium is not null)
        {
            w = Math.Min(w, CollateralWeights.SizePremiumAssetWeight(_assetWeight, _premium, 0m));
        }

        return _volatility ? Math.Min(w, 1m - _assetHaircut) : w;
    }

    /// <summary>Marginal tiers: each band's rate applies to the part of the value inside the band.</summary>
    public decimal Tiered(decimal value)
    {
        var caps = _tierCaps;
        for (var k = 0; k < caps.Length; k++)
        {
            if (value <= caps[k])
            {
                return _tierBase[k] + ((value - _tierFloors[k]) * _tierRates[k]);
            }
        }

        return TierTotal;
    }
}
