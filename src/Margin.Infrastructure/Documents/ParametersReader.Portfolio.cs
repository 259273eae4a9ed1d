using System.Collections.Immutable;
using Margin.Engine.Domain;
using Margin.Engine.Parameters;
using Margin.Engine.Portfolio;

namespace Margin.Infrastructure.Documents;

/// <summary>The <c>portfolio</c> and <c>projection</c> sections of the parameters (docs/evaluate.md).</summary>
public static partial class ParametersReader
{
    /// <summary>Reads <c>projection</c>: <c>multiplier</c> (z_p) and <c>horizonDays</c>; absent means the engine's defaults.</summary>
    private static ProjectionParameters? ReadProjection(InputObject? o)
    {
        if (o is null)
        {
            return null;
        }

        var defaults = new ProjectionParameters();
        var multiplier = o.Double("multiplier");
        var days = o.Double("horizonDays");
        o.RejectUnknown();
        return new ProjectionParameters(multiplier ?? defaults.Multiplier, days is { } d ? d / 365.0 : defaults.HorizonYears);
    }

    /// <summary>Reads <c>portfolio</c>: aggregation settings and one grid per underlying; null when absent or malformed (problems added).</summary>
    private static PortfolioParameters? ReadPortfolio(InputObject? o, List<InputProblem> problems)
    {
        if (o is null)
        {
            return null;
        }

        var stress = o.Double("correlationStress");
        var floor = o.Double("sumFloorFraction");
        var k = o.Decimal("initialMultiplier");
        var underlyings = ReadBySymbol(o.Object("underlyings", required: true), problems, (asset, u) => ReadUnderlying(asset, u, problems));

        o.RejectUnknown();
        return PortfolioParameters.Create(underlyings, stress ?? 0.0, floor ?? 0.0, k ?? 1.3m);
    }

    private static UnderlyingRiskParameters? ReadUnderlying(Asset asset, InputObject o, List<InputProblem> problems)
    {
        var range = o.Double("range", required: true);
        var points = o.Integer("points", required: true);
        var volShift = o.Double("volShift", required: true);
        var shortExponent = o.Double("shortDatedExponent") ?? ScenarioGridSettings.DeribitShortDatedExponent;
        var longExponent = o.Double("longDatedExponent") ?? ScenarioGridSettings.DeribitLongDatedExponent;
        var minimumVolatility = o.Double("minimumVolatility", required: true);
        var extended = new List<double>();
        foreach (var (element, path) in o.Array("extendedMoves") ?? [])
        {
            if (NumberText.TryDouble(element, out var move, out var problem))
            {
                extended.Add(move);
            }
            else
            {
                problems.Add(new InputProblem(path, problem!));
            }
        }

        var threshold = o.Decimal("deltaShockThresholdUsd");
        var deltaPct = o.Double("deltaShockFraction");
        var annual = o.Double("rollAnnualMove");
        var minMove = o.Double("rollMinimumMove");
        var rate = o.Double("rate");
        var surface = ReadSurface(o.Object("surface"));
        o.RejectUnknown();
        if (range is null || points is null || volShift is null || minimumVolatility is null || o.HasProblems)
        {
            return null;
        }

        ScenarioGridSettings grid;
        try
        {
            grid = ScenarioGridSettings.Create(range.Value, (int)Math.Clamp(points.Value, int.MinValue, int.MaxValue), volShift.Value, shortExponent, longExponent, minimumVolatility.Value, extended);
        }
        catch (ArgumentException ex)
        {
            problems.Add(new InputProblem(o.Path, $"the scenario grid is invalid: {ex.Message}"));
            return null;
        }

        return new UnderlyingRiskParameters
        {
            Asset = asset,
            Grid = grid,
            DeltaShockThresholdUsd = threshold ?? 0m,
            DeltaShockFraction = deltaPct ?? 0.0,
            RollAnnualMove = annual ?? 0.0,
            RollMinimumMove = minMove ?? 0.0,
            Rate = rate ?? 0.0,
            Surface = surface,
        };
    }

    private static VolatilitySurface? ReadSurface(InputObject? o)
    {
        if (o is null)
        {
            return null;
        }

        var points = ImmutableArray.CreateBuilder<VolatilityPoint>();
        foreach (var (element, path) in o.Array("atTheMoney", required: true) ?? [])
        {
            if (InputObject.From(element, path, o.Problems) is { } p)
            {
                var days = p.Double("days", required: true);
                var vol = p.Double("volatility", required: true);
                p.RejectUnknown();
                if (days is { } d && vol is { } v)
                {
                    points.Add(new VolatilityPoint(d, v));
                }
            }
        }

        var skew = o.Double("skew") ?? 0.0;
        o.RejectUnknown();
        return new VolatilitySurface { AtTheMoney = points.ToImmutable(), Skew = skew };
    }
}
