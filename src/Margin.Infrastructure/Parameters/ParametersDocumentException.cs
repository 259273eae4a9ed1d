using Margin.Infrastructure.Documents;

namespace Margin.Infrastructure.Parameters;

/// <summary>A parameters document was refused: every problem, each naming its field (<c>parameters.assets.BTC.depthUsd</c>).</summary>
public sealed class ParametersDocumentException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public ParametersDocumentException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ParametersDocumentException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ParametersDocumentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception listing <paramref name="problems"/>.</summary>
    /// <param name="problems">What is wrong, at least one.</param>
    public ParametersDocumentException(IReadOnlyList<InputProblem> problems)
        : base(Describe(problems))
    {
        Problems = problems;
    }

    /// <summary>Every problem found.</summary>
    public IReadOnlyList<InputProblem> Problems { get; } = [];

    private static string Describe(IReadOnlyList<InputProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return $"the parameters document is refused ({problems.Count} problem{(problems.Count == 1 ? string.Empty : "s")}):{Environment.NewLine}"
            + string.Join(Environment.NewLine, problems.Select(p => "  " + p));
    }
}
