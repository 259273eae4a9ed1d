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
    /// <summary>Creates the exception with a generic message, reported as one problem with no parameter path.</summary>
    /// <remarks>One of the standard exception constructors of the .NET design guidelines; throw the (version, problems) form so every problem is reported at once.</remarks>
    public InvalidRiskParametersException()
        : this("the risk parameters are invalid")
    {
    }

    /// <summary>Creates the exception with a message, reported as one problem with no parameter path.</summary>
    /// <param name="message">What is wrong.</param>
    /// <remarks>One of the standard exception constructors of the .NET design guidelines; prefer the (version, problems) form.</remarks>
    public InvalidRiskParametersException(string message)
        : base(message)
    {
        Problems = [new ParameterProblem(string.Empty, message)];
    }

    /// <summary>Creates the exception with a message and the exception that caused it, reported as one problem with no parameter path.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The underlying failure.</param>
    /// <remarks>One of the standard exception constructors of the .NET design guidelines; prefer the (version, problems) form.</remarks>
    public InvalidRiskParametersException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [new ParameterProblem(string.Empty, message)];
    }

    /// <summary>Creates the exception for every problem found in one parameter set; the message lists them one per line.</summary>
    /// <param name="version">The version of the rejected parameter set.</param>
    /// <param name="problems">Every problem found, in parameter order.</param>
    /// <exception cref="ArgumentNullException"><paramref name="problems"/> is null.</exception>
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
