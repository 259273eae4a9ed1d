using System.Globalization;
using Margin.Engine.Domain;
using Margin.Sweep.Ports;

namespace Margin.Infrastructure.Oracles;

/// <summary>Demo prices: correlated geometric random walks with jumps, deterministic for a seed, driven by the time provider.</summary>
/// <remarks>
/// On a grid of <see cref="SimulatedSourceOptions.Step"/> from the time of construction, each step of <c>dt</c> years moves
/// every asset's log price by <c>(mu - sigma^2 / 2) dt + sigma sqrt(dt) (sqrt(rho) Z_m + sqrt(1 - rho) Z_i)</c> plus a
/// Poisson(<c>lambda dt</c>) number of jumps, each Normal(<c>JumpMean</c>, <c>JumpStdDev</c>) in log; <c>Z_m</c> is one
/// market draw shared by all assets, so any two diffusions have correlation <c>rho</c>. A fetch advances the walk to the
/// last grid time at or before now (the quotes' publish time); the same now gives the same prices, and the prices at a time
/// do not depend on when the fetches before it happened. A clock that goes back gets the latest state again. Prices and
/// confidences (<c>ConfidenceFraction x price</c>) are decimals rounded to <c>SignificantDigits</c>; a walk that leaves
/// the range a decimal holds at that precision is a problem of its asset, never a zero price.
/// </remarks>
public sealed class SimulatedSource : IOracleSource
{
    private const string Options = nameof(SimulatedSourceOptions);
    private const double DaysPerYear = 365.25;

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _start;
    private readonly TimeSpan _step;
    private readonly double _dt;
    private readonly double _market;
    private readonly double _idiosyncratic;
    private readonly decimal _confidenceFraction;
    private readonly int _digits;
    private readonly Asset[] _assets;
    private readonly SimulatedAsset[] _walks;
    private readonly double[] _logReturns;
    private readonly Xoshiro256 _random;
    private long _steps;

    /// <summary>Creates the walk, starting at the time provider's now.</summary>
    /// <exception cref="ArgumentException">An option is out of its documented range; the message names it.</exception>
    public SimulatedSource(SimulatedSourceOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        SourceId = OracleOptionsCheck.SourceId(options.SourceId, Options);
        if (Invalid(options) is { } invalid)
        {
            throw new ArgumentException($"{Options}.{invalid}", nameof(options));
        }

        var walks = OracleOptionsCheck.Assets(options.Assets, Options, nameof(options.Assets), Problem);
        _assets = [.. walks.Keys.OrderBy(a => a.Symbol, StringComparer.Ordinal)];
        _walks = [.. _assets.Select(a => walks[a])];
        _logReturns = new double[_assets.Length];
        _time = timeProvider;
        _start = timeProvider.GetUtcNow();
        _step = options.Step;
        _dt = options.Step.TotalDays / DaysPerYear;
        _market = Math.Sqrt(options.Correlation);
        _idiosyncratic = Math.Sqrt(1.0 - options.Correlation);
        _confidenceFraction = options.ConfidenceFraction;
        _digits = options.SignificantDigits;
        _random = new Xoshiro256(options.Seed);
    }

    /// <inheritdoc/>
    public string SourceId { get; }

    /// <inheritdoc/>
    public Task<OracleFetch> FetchAsync(IReadOnlyList<Asset> assets, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var fetch = new OracleFetchBuilder(SourceId, assets, "not simulated");
        double[] logReturns;
        DateTimeOffset at;
        lock (_gate)
        {
            var target = Math.Max(0L, (_time.GetUtcNow() - _start).Ticks / _step.Ticks);
            for (; _steps < target; _steps++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Advance();
            }

            logReturns = [.. _logReturns];
            at = _start + (_step * _steps);
        }

        foreach (var asset in fetch.Assets)
        {
            var i = Array.IndexOf(_assets, asset);
            if (i < 0)
            {
                fetch.Problem(asset, $"{asset} is not simulated (no {Options}.Assets entry)");
            }
            else if (TryPrice(_walks[i].StartPrice, logReturns[i], out var price, out var confidence))
            {
                fetch.Quote(asset, price, confidence, at, "simulated");
            }
            else
            {
                fetch.Problem(asset, string.Create(CultureInfo.InvariantCulture, $"the simulated walk of {asset} left the range a decimal holds at {_digits} significant digits (log return {logReturns[i]:R} at {at:O})"));
            }
        }

        return Task.FromResult(fetch.Build());
    }

    /// <summary>One step of every walk; the draws come in a fixed order (market, then each asset by symbol), so a seed fixes the path.</summary>
    private void Advance()
    {
        var market = _random.NextNormal();
        for (var i = 0; i < _walks.Length; i++)
        {
            var walk = _walks[i];
            var shock = (_market * market) + (_idiosyncratic * _random.NextNormal());
            _logReturns[i] += ((walk.Drift - (walk.Volatility * walk.Volatility / 2.0)) * _dt) + (walk.Volatility * Math.Sqrt(_dt) * shock);
            if (walk.JumpsPerYear > 0.0)
            {
                for (var jumps = _random.NextPoisson(walk.JumpsPerYear * _dt); jumps > 0; jumps--)
                {
                    _logReturns[i] += walk.JumpMean + (walk.JumpStdDev * _random.NextNormal());
                }
            }
        }
    }

    private bool TryPrice(decimal startPrice, double logReturn, out decimal price, out decimal confidence)
    {
        confidence = 0m;
        var value = (double)startPrice * Math.Exp(logReturn);
        if (!TryRound(value, _digits, out price))
        {
            return false;
        }

        confidence = _confidenceFraction == 0m ? 0m : Round(price * _confidenceFraction, _digits);
        return true;
    }

    /// <summary>A positive double as a decimal of <paramref name="digits"/> significant digits; false when a decimal cannot hold it so.</summary>
    internal static bool TryRound(double value, int digits, out decimal rounded)
    {
        rounded = 0m;
        // Up to 1e27 the rounded value and its scaling stay inside decimal; below, the last digit must sit within 28 places.
        if (!double.IsFinite(value) || value <= 0.0 || value >= 1e27 || Math.Floor(Math.Log10(value)) - digits + 1 < -28)
        {
            return false;
        }

        rounded = Round((decimal)value, digits);
        return rounded > 0m;
    }

    /// <summary><paramref name="value"/> rounded half to even at <paramref name="digits"/> significant digits (zero stays zero).</summary>
    internal static decimal Round(decimal value, int digits)
    {
        if (value <= 0m)
        {
            return 0m; // A confidence below a decimal's smallest step.
        }

        var exponent = (int)Math.Floor(Math.Log10((double)value));
        if (value >= Pow10(exponent + 1))
        {
            exponent++;
        }
        else if (value < Pow10(exponent))
        {
            exponent--;
        }

        var places = digits - 1 - exponent;
        if (places >= 0)
        {
            return Math.Round(value, Math.Min(places, 28), MidpointRounding.ToEven);
        }

        var unit = Pow10(-places);
        return Math.Round(value / unit, 0, MidpointRounding.ToEven) * unit;
    }

    private static decimal Pow10(int exponent) => exponent >= 0
        ? Enumerable.Repeat(10m, exponent).Aggregate(1m, (p, ten) => p * ten)
        : new decimal(1, 0, 0, false, checked((byte)Math.Min(-exponent, 28)));

    private static string? Problem(SimulatedAsset walk) =>
        walk.StartPrice <= 0m ? string.Create(CultureInfo.InvariantCulture, $"StartPrice must be positive (got {walk.StartPrice})")
        : !double.IsFinite(walk.Volatility) || walk.Volatility < 0.0 ? string.Create(CultureInfo.InvariantCulture, $"Volatility must be finite and at least 0 (got {walk.Volatility})")
        : !double.IsFinite(walk.Drift) ? string.Create(CultureInfo.InvariantCulture, $"Drift must be finite (got {walk.Drift})")
        : !double.IsFinite(walk.JumpsPerYear) || walk.JumpsPerYear < 0.0 ? string.Create(CultureInfo.InvariantCulture, $"JumpsPerYear must be finite and at least 0 (got {walk.JumpsPerYear})")
        : !double.IsFinite(walk.JumpMean) ? string.Create(CultureInfo.InvariantCulture, $"JumpMean must be finite (got {walk.JumpMean})")
        : !double.IsFinite(walk.JumpStdDev) || walk.JumpStdDev < 0.0 ? string.Create(CultureInfo.InvariantCulture, $"JumpStdDev must be finite and at least 0 (got {walk.JumpStdDev})")
        : null;

    private static string? Invalid(SimulatedSourceOptions options) =>
        options.Correlation is not (>= 0.0 and <= 1.0) ? string.Create(CultureInfo.InvariantCulture, $"Correlation must be in [0, 1] (got {options.Correlation})")
        : options.Step <= TimeSpan.Zero ? string.Create(CultureInfo.InvariantCulture, $"Step must be positive (got {options.Step})")
        : options.ConfidenceFraction is not (>= 0m and < 1m) ? string.Create(CultureInfo.InvariantCulture, $"ConfidenceFraction must be in [0, 1) (got {options.ConfidenceFraction})")
        : options.SignificantDigits is not (>= 1 and <= 15) ? string.Create(CultureInfo.InvariantCulture, $"SignificantDigits must be 1 to 15 (got {options.SignificantDigits})")
        : null;
}
