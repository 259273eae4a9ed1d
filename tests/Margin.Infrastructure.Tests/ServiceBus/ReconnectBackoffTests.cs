using Margin.Infrastructure.ServiceBus;

namespace Margin.Infrastructure.Tests.ServiceBus;

public sealed class ReconnectBackoffTests
{
    private static readonly TimeSpan Min = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(1, 200)]
    [InlineData(2, 400)]
    [InlineData(3, 800)]
    [InlineData(8, 25_600)]
    [InlineData(9, 30_000)]
    [InlineData(1000, 30_000)]
    public void Ceiling_DoublesUpToTheMaximum(int attempt, int milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), new ReconnectBackoff(Min, Max, () => 0).Ceiling(attempt));
    }

    [Fact]
    public void Delay_WithTheExtremesOfTheJitter_IsTheFloorOrTheCeiling()
    {
        Assert.Equal(Min, new ReconnectBackoff(Min, Max, () => 0).Delay(5));
        Assert.Equal(TimeSpan.FromMilliseconds(3_200), new ReconnectBackoff(Min, Max, () => 1).Delay(5));
        Assert.Equal(TimeSpan.FromMilliseconds(1_700), new ReconnectBackoff(Min, Max, () => 0.5).Delay(5));
    }

    [Fact]
    public void Delay_SeededJitter_StaysWithinBoundsAndSpreads()
    {
        var random = new Random(12345);
        var backoff = new ReconnectBackoff(Min, Max, random.NextDouble);

        for (var attempt = 1; attempt <= 20; attempt++)
        {
            var delays = Enumerable.Range(0, 200).Select(_ => backoff.Delay(attempt)).ToArray();
            Assert.All(delays, d => Assert.InRange(d, Min, backoff.Ceiling(attempt)));
            if (attempt >= 3)
            {
                Assert.True(delays.Distinct().Count() > 100, "full jitter spreads the delays");
            }
        }
    }

    [Fact]
    public void Create_MaxBelowMin_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReconnectBackoff(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), () => 0));
    }
}
