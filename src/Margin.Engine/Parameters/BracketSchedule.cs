using System.Collections.Immutable;

namespace Margin.Engine.Parameters;

/// <summary>Notional brackets with their cumulative amounts, so that requirements are continuous in notional (Binance's form).</summary>
/// <remarks>
/// <c>MM = notional * MMR(k) - cumMM(k)</c> with <c>cumMM(0) = 0</c> and
/// <c>cumMM(k) = cumMM(k-1) + cap(k-1) * (MMR(k) - MMR(k-1))</c>; likewise for IM. The cumulative amounts are derived,
/// never supplied, so they cannot disagree with the rates.
/// </remarks>
public sealed class BracketSchedule
{
    private readonly decimal[] _caps;
    private readonly decimal[] _initialRates;
    private readonly decimal[] _maintenanceRates;
    private readonly decimal[] _cumInitial;
    private readonly decimal[] _cumMaintenance;

    private BracketSchedule(ImmutableArray<MarginBracket> brackets)
    {
        Brackets = brackets;
        var n = brackets.Length;
        _caps = new decimal[n];
        _initialRates = new decimal[n];
        _maintenanceRates = new decimal[n];
        _cumInitial = new decimal[n];
        _cumMaintenance = new decimal[n];
        for (var k = 0; k < n; k++)
        {
            _caps[k] = brackets[k].NotionalCap ?? decimal.MaxValue;
            _initialRates[k] = brackets[k].InitialRate;
            _maintenanceRates[k] = brackets[k].MaintenanceRate;
            if (k > 0)
            {
                // Only the last bracket may be unbounded (RiskParameters.Create reports a middle one); deriving from
                // decimal.MaxValue could overflow before that problem is reported, so an unbounded cap contributes 0.
                var previousCap = brackets[k - 1].NotionalCap ?? 0m;
                _cumInitial[k] = _cumInitial[k - 1] + (previousCap * (_initialRates[k] - _initialRates[k - 1]));
                _cumMaintenance[k] = _cumMaintenance[k - 1] + (previousCap * (_maintenanceRates[k] - _maintenanceRates[k - 1]));
            }
        }
    }

    /// <summary>The brackets as configured.</summary>
    public ImmutableArray<MarginBracket> Brackets { get; }

    /// <summary>Creates a schedule; see <see cref="RiskParameters"/> for the validation that applies.</summary>
    internal static BracketSchedule Create(ImmutableArray<MarginBracket> brackets) => new(brackets);

    /// <summary>The bracket index for a USD notional.</summary>
    public int IndexOf(decimal notional)
    {
        var caps = _caps;
        for (var k = 0; k < caps.Length - 1; k++)
        {
            if (notional <= caps[k])
            {
                return k;
            }
        }

        return caps.Length - 1;
    }

    /// <summary>The initial requirement for a USD notional.</summary>
    public decimal Initial(decimal notional, int index) =>
        index == 0 ? notional * _initialRates[0] : (notional * _initialRates[index]) - _cumInitial[index];

    /// <summary>The maintenance requirement for a USD notional.</summary>
    public decimal Maintenance(decimal notional, int index) =>
        index == 0 ? notional * _maintenanceRates[0] : (notional * _maintenanceRates[index]) - _cumMaintenance[index];

    /// <summary>The bracket's initial rate.</summary>
    public decimal InitialRate(int index) => _initialRates[index];

    /// <summary>The bracket's maintenance rate.</summary>
    public decimal MaintenanceRate(int index) => _maintenanceRates[index];

    /// <summary>The bracket's derived cumulative initial amount.</summary>
    public decimal CumulativeInitial(int index) => _cumInitial[index];

    /// <summary>The bracket's derived cumulative maintenance amount.</summary>
    public decimal CumulativeMaintenance(int index) => _cumMaintenance[index];
}
