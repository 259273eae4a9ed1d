using System.Text;
using Margin.Infrastructure.Queues;

namespace Margin.Infrastructure.Tests.Queues;

public sealed class StressQueueMessageTests
{
    [Theory]
    [InlineData("""{"v":1,"runId":"st-1"}""")]
    [InlineData("""  {"runId":"st-1","v":"1","extra":true}  """)]
    [InlineData("\"{\\\"v\\\":1,\\\"runId\\\":\\\"st-1\\\"}\"")]
    public void TryDecode_AValidBody_GivesTheRunId(string body)
    {
        Assert.True(StressQueueMessage.TryDecode(body, out var runId, out var problem), problem);
        Assert.Equal("st-1", runId);
        Assert.Null(problem);
    }

    [Fact]
    public void TryDecode_TheBase64OfAValidBody_GivesTheRunId()
    {
        var raw = Convert.ToBase64String(Encoding.UTF8.GetBytes(StressQueueMessage.Encode("st-2")));

        Assert.True(StressQueueMessage.TryDecode(raw, out var runId, out _));
        Assert.Equal("st-2", runId);
    }

    public static TheoryData<string?, string> Malformed => new()
    {
        { null, "the message is empty" },
        { "   ", "the message is empty" },
        { "not json", "the message is not JSON" },
        { "[1,2]", "the message is a JSON Array, not an object" },
        { """{"runId":"st-1"}""", "v is missing (expected 1)" },
        { """{"v":2,"runId":"st-1"}""", "v is 2; this version reads 1" },
        { """{"v":"one","runId":"st-1"}""", "v is \"one\", not an integer" },
        { """{"v":1}""", "runId is missing or not a string" },
        { """{"v":1,"runId":42}""", "runId is missing or not a string" },
        { """{"v":1,"runId":""}""", "runId is empty" },
        { """{"v":1,"runId":"a/b"}""", "runId contains '/'" },
        { "{\"v\":1,\"runId\":\"" + new string('x', 129) + "\"}", "runId has 129 characters; at most 128" },
        { "\"\\\"{\\\\\\\"v\\\\\\\":1}\\\"\"", "not an object" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void TryDecode_AMalformedBody_SaysWhatIsWrong(string? body, string expected)
    {
        Assert.False(StressQueueMessage.TryDecode(body, out var runId, out var problem));

        Assert.Equal(string.Empty, runId);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }
}
