namespace MarginFunctions.Tests.Hosting;

public sealed class HandlerPortTests
{
    [Theory]
    [InlineData("FUNCTIONS_CUSTOMHANDLER_PORT", "7391", 7391)]
    [InlineData("FUNCTIONS_HTTPWORKER_PORT", "5005", 5005)]
    public void From_HostVariable_GivesThePort(string name, string value, int expected)
    {
        var port = HandlerPort.From(new Dictionary<string, string?> { [name] = value });
        Assert.Null(port.Problem);
        Assert.Equal(expected, port.Port);
    }

    [Theory]
    [InlineData(null, "is not set")]
    [InlineData("0", "from 1 to 65535")]
    [InlineData("70000", "from 1 to 65535")]
    [InlineData("-1", "from 1 to 65535")]
    [InlineData("http", "from 1 to 65535")]
    public void From_MissingOrInvalid_SaysWhat(string? value, string expected)
    {
        var port = HandlerPort.From(new Dictionary<string, string?> { ["FUNCTIONS_CUSTOMHANDLER_PORT"] = value });
        Assert.Contains(expected, port.Problem, StringComparison.Ordinal);
    }
}
