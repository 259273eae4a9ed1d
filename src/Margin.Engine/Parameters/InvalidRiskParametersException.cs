using System.Collections.Immutable;

namespace Margin.Engine.Parameters;

/// <summary>One inconsistency in a set of risk parameters.</summary>
/// <param name="Parameter">The path of the offending parameter, e.g. <c>assets.BTC.initial.tiers[1].upToUsd</c>.</param>
/// <param name="Problem">What is wrong with it.</param>
public sealed record ParameterProblem(string Parameter, string Problem)
{
    /// <inheritdoc />
    public override string ToString() => $"{Parameter}: {Problem}";
}

/// <summary>Risk parameters are inconsistent; nothing may be evaluated with them.</summary>
public sealed class InvalidRiskParametersException : ArgumentException
{
    public InvalidRiskParametersException()
        : this("the risk parameters are invalid")
    {
    }

    public InvalidRiskParametersException(string message)
        : base(message)
    {
        Problems = [new ParameterProblem(string.Empty, message)];
    }

    public InvalidRiskParametersException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [new ParameterProblem(string.Empty, message)];
    }

    public InvalidRiskParametersException(string version, IReadOnlyCollection<ParameterProblem> problems)
        : base(Describe(version, problems))
    {
        Problems = [.. problems];
    }

    /// <summary>Every problem found, in parameter order.</summary>
    public ImmutableArray<ParameterProblem> Problems { get; }

    private static string Describe(string version, IReadOnlyCollection<ParameterProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return $"risk parameters '{version}' are invalid ({problems.Count} problem{(problems.Count == 1 ? string.Empty : "s")}):"
            + string.Concat(problems.Select(p => Environment.NewLine + "  " + p));
    }
}
