namespace Margin.Sweep.Ports;

/// <summary>An oracle source failed as a whole: unreachable, an error status (429, 5xx), a timeout, or a body that is not its documented shape.</summary>
public sealed class OracleSourceException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OracleSourceException()
    {
    }

    /// <summary>Creates the exception with a message naming the source and what failed.</summary>
    public OracleSourceException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying failure.</summary>
    public OracleSourceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
