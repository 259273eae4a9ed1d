namespace Margin.Testing.Browser;

/// <summary>Chromium refused a DevTools command, did not answer in time, or the connection to it ended.</summary>
public sealed class DevToolsException : Exception
{
    public DevToolsException()
    {
    }

    public DevToolsException(string message)
        : base(message)
    {
    }

    public DevToolsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
