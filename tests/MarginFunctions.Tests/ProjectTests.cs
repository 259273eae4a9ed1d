namespace MarginFunctions.Tests;

public sealed class ProjectTests
{
    [Fact]
    public void Handler_Assembly_IsNamedAsHostJsonExpects() =>
        Assert.Equal("MarginFunctions", typeof(Program).Assembly.GetName().Name);
}
