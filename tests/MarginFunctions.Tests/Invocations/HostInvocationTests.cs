using System.Text;
using MarginFunctions.Invocations;

namespace MarginFunctions.Tests.Invocations;

public sealed class HostInvocationTests
{
    private static async Task<HostInvocation> ReadAsync(string json)
    {
        var (invocation, problem) = await HostInvocation.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        Assert.Null(problem);
        return invocation!;
    }

    public static TheoryData<string, string> QueueBodies => new()
    {
        // The host's real shape: the body JSON-encoded as a string (docs/notes/functions-custom-handler.md §1.3).
        { """{"Data":{"item":"{\"v\":1,\"n\":2}"},"Metadata":{}}""", """{"v":1,"n":2}""" },
        // Encoded twice: a string whose content is a JSON string literal.
        { """{"Data":{"item":"\"{\\\"v\\\":1,\\\"n\\\":2}\""},"Metadata":{}}""", """{"v":1,"n":2}""" },
        // An object (a host that deserialized it).
        { """{"Data":{"item":{"v":1,"n":2}},"Metadata":{}}""", """{"v":1,"n":2}""" },
        // Plain text.
        { """{"Data":{"item":"hello"},"Metadata":{}}""", "hello" },
    };

    [Theory]
    [MemberData(nameof(QueueBodies))]
    public async Task DataText_EveryEncodingTheHostUses_GivesTheBody(string payload, string expected)
    {
        using var invocation = await ReadAsync(payload);
        Assert.Equal(expected, invocation.DataText("item"));
    }

    [Fact]
    public async Task DataText_MissingOrNull_IsNull()
    {
        using var invocation = await ReadAsync("""{"Data":{"other":1,"none":null},"Metadata":{}}""");
        Assert.Null(invocation.DataText("item"));
        Assert.Null(invocation.DataText("none"));
    }

    [Theory]
    [InlineData("""{"Data":{},"Metadata":{"DequeueCount":"3"}}""", 3L)]
    [InlineData("""{"Data":{},"Metadata":{"DequeueCount":3}}""", 3L)]
    [InlineData("""{"Data":{},"Metadata":{"DequeueCount":"\"7\""}}""", 7L)]
    [InlineData("""{"Data":{},"Metadata":{"DequeueCount":"three"}}""", null)]
    [InlineData("""{"Data":{},"Metadata":{}}""", null)]
    public async Task MetadataInteger_NumberOrString_Reads(string payload, long? expected)
    {
        using var invocation = await ReadAsync(payload);
        Assert.Equal(expected, invocation.MetadataInteger("DequeueCount"));
    }

    [Theory]
    [InlineData("""{"Data":{},"Metadata":{"Id":"\"4e77-aa\""}}""", "4e77-aa")]
    [InlineData("""{"Data":{},"Metadata":{"Id":"4e77-aa"}}""", "4e77-aa")]
    [InlineData("""{"Data":{},"Metadata":{"Id":"\"\\\"4e77-aa\\\"\""}}""", "4e77-aa")]
    public async Task MetadataText_QuotedIds_AreUnquoted(string payload, string expected)
    {
        using var invocation = await ReadAsync(payload);
        Assert.Equal(expected, invocation.MetadataText("Id"));
    }

    [Theory]
    [InlineData("""{"Data":{"timer":{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":true}},"Metadata":{}}""", true)]
    [InlineData("""{"Data":{"timer":{"Schedule":{"AdjustForDST":true},"ScheduleStatus":{"Last":"2026-11-24T00:00:00Z","Next":"2026-11-24T00:05:00Z","LastUpdated":"2026-11-24T00:00:00Z"},"IsPastDue":false}},"Metadata":{}}""", false)]
    [InlineData("""{"Data":{"timer":{"IsPastDue":"true"}},"Metadata":{}}""", true)]
    [InlineData("""{"Data":{"timer":"{\"IsPastDue\":true}"},"Metadata":{}}""", true)]
    [InlineData("""{"Data":{"timer":{}},"Metadata":{}}""", false)]
    [InlineData("""{"Data":{},"Metadata":{}}""", false)]
    public async Task IsPastDue_TimerShapes_Reads(string payload, bool expected)
    {
        using var invocation = await ReadAsync(payload);
        Assert.Equal(expected, invocation.IsPastDue("timer"));
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("[1,2]", "not an object")]
    [InlineData("\"text\"", "not an object")]
    public async Task ReadAsync_NotAnInvocation_SaysWhy(string body, string expected)
    {
        var (invocation, problem) = await HostInvocation.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(body)));
        Assert.Null(invocation);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_MissingDataAndMetadata_ReadsAsEmpty()
    {
        using var invocation = await ReadAsync("{}");
        Assert.Null(invocation.DataText("item"));
        Assert.Null(invocation.MetadataInteger("DequeueCount"));
        Assert.False(invocation.IsPastDue("timer"));
    }
}
