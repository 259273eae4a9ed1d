using Margin.Infrastructure.Queues;
using Margin.Sweep.Work;

namespace Margin.Infrastructure.Tests.Queues;

public sealed class WorkItemJsonTests
{
    [Fact]
    public void WriteThenRead_IsTheSameItem()
    {
        var item = new WorkItem("sweep-1", "snap-7", "params-3", 16, 31);

        Assert.Equal((item, (string?)null), WorkItemJson.Read(WorkItemJson.Write(item)));
    }

    [Theory]
    [InlineData("\"{\\\"v\\\":1,\\\"sweepId\\\":\\\"s\\\",\\\"snapshotId\\\":\\\"x\\\",\\\"paramsVersion\\\":\\\"p\\\",\\\"partitionFrom\\\":\\\"2\\\",\\\"partitionTo\\\":3}\"", null)]
    [InlineData("{\"v\":2,\"sweepId\":\"s\"}", "v is 2; this version reads 1")]
    [InlineData("{\"v\":1,\"snapshotId\":\"x\",\"paramsVersion\":\"p\",\"partitionFrom\":0,\"partitionTo\":1}", "sweepId is missing or not a string")]
    [InlineData("{\"v\":1,\"sweepId\":\"s\",\"snapshotId\":\"x\",\"paramsVersion\":\"p\",\"partitionFrom\":\"two\",\"partitionTo\":1}", "partitionFrom is not an integer")]
    [InlineData("not json", "the body is not JSON")]
    [InlineData("[1,2]", "the body is a JSON Array, not an object")]
    public void Read_LenientInFormStrictInMeaning(string body, string? problem)
    {
        var (item, found) = WorkItemJson.Read(body);

        if (problem is null)
        {
            Assert.Equal(new WorkItem("s", "x", "p", 2, 3), item);
            Assert.Null(found);
        }
        else
        {
            Assert.Null(item);
            Assert.StartsWith(problem, found, StringComparison.Ordinal);
        }
    }

    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private const string Version1 = "{\"v\":1,\"sweepId\":\"s\",\"snapshotId\":\"x\",\"paramsVersion\":\"p\",\"partitionFrom\":2,\"partitionTo\":3";

    [Fact]
    public void WriteThenRead_WithATraceParent_KeepsIt()
    {
        var item = new WorkItem("sweep-1", "snap-7", "params-3", 16, 31, TraceParent);

        var body = WorkItemJson.Write(item);

        Assert.Contains($"\"traceparent\":\"{TraceParent}\"", body, StringComparison.Ordinal);
        Assert.Equal((item, (string?)null), WorkItemJson.Read(body));
    }

    [Fact]
    public void Write_WithoutATraceParent_WritesNoTraceParentField()
    {
        var body = WorkItemJson.Write(new WorkItem("sweep-1", "snap-7", "params-3", 16, 31));

        Assert.DoesNotContain("traceparent", body, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_AVersion1MessageWithoutTraceParent_ReadsWithNone()
    {
        var (item, problem) = WorkItemJson.Read(Version1 + "}");

        Assert.Null(problem);
        Assert.Equal(new WorkItem("s", "x", "p", 2, 3), item);
        Assert.Null(item!.TraceParent);
    }

    [Fact]
    public void Read_ATraceParentInABodyEncodedTwice_IsKept()
    {
        var body = System.Text.Json.JsonSerializer.Serialize(Version1 + $",\"traceparent\":\"{TraceParent}\"}}");

        var (item, problem) = WorkItemJson.Read(body);

        Assert.Null(problem);
        Assert.Equal(TraceParent, item!.TraceParent);
    }

    [Theory]
    [InlineData("\"not a trace context\"")]
    [InlineData("\"\"")]
    [InlineData("\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331\"")]
    [InlineData("\"00-0af7651916cd43dd8448eb211c80319-b7ad6b7169203331-01\"")]
    [InlineData("\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333x-01\"")]
    [InlineData("\"ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\"")]
    [InlineData("\"00-00000000000000000000000000000000-b7ad6b7169203331-01\"")]
    [InlineData("42")]
    [InlineData("null")]
    [InlineData("{\"traceId\":\"0af7651916cd43dd8448eb211c80319c\"}")]
    public void Read_AMalformedTraceParent_IsIgnoredAndTheItemRead(string traceParent)
    {
        var (item, problem) = WorkItemJson.Read(Version1 + $",\"traceparent\":{traceParent}}}");

        Assert.Null(problem);
        Assert.Equal(new WorkItem("s", "x", "p", 2, 3), item);
    }
}
