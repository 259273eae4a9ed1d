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
}
