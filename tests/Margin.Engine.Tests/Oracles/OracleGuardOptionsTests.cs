using Margin.Engine.Oracles;

namespace Margin.Engine.Tests.Oracles;

public sealed class OracleGuardOptionsTests
{
    public static TheoryData<decimal> FractionsOutOfRange => new() { 0m, 1m, -0.1m, 1.5m };

    [Fact]
    public void Create_ValidValues_KeepsEveryValue()
    {
        var options = OracleGuardOptions.Create(TimeSpan.FromSeconds(30), 0.02m, 0.05m, 2, 0.1m, 3, TimeSpan.FromSeconds(1));

        Assert.Equal(TimeSpan.FromSeconds(30), options.MaxQuoteAge);
        Assert.Equal(TimeSpan.FromSeconds(1), options.MaxClockSkew);
        Assert.Equal(0.02m, options.MaxConfidenceFraction);
        Assert.Equal(0.05m, options.OutlierBand);
        Assert.Equal(2, options.MinSources);
        Assert.Equal(0.1m, options.GuardBand);
        Assert.Equal(3, options.ConfirmationQuorum);
    }

    [Fact]
    public void Create_SkewOmitted_IsZero()
    {
        var options = OracleGuardOptions.Create(TimeSpan.FromSeconds(30), 0.02m, 0.05m, 1, 0.1m, 2);

        Assert.Equal(TimeSpan.Zero, options.MaxClockSkew);
    }

    [Theory]
    [MemberData(nameof(FractionsOutOfRange))]
    public void Create_ConfidenceFractionOutOfRange_Throws(decimal value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => OracleGuardOptions.Create(TimeSpan.FromSeconds(30), value, 0.05m, 1, 0.1m, 2));
        Assert.Equal("maxConfidenceFraction", error.ParamName);
    }

    [Theory]
    [MemberData(nameof(FractionsOutOfRange))]
    public void Create_OutlierBandOutOfRange_Throws(decimal value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => OracleGuardOptions.Create(TimeSpan.FromSeconds(30), 0.02m, value, 1, 0.1m, 2));
        Assert.Equal("outlierBand", error.ParamName);
    }

    [Theory]
    [MemberData(nameof(FractionsOutOfRange))]
    public void Create_GuardBandOutOfRange_Throws(decimal value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => OracleGuardOptions.Create(TimeSpan.FromSeconds(30), 0.02m, 0.05m, 1, value, 2));
        Assert.Equal("guardBand", error.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Create_NonPositiveMaxAge_Throws(int seconds)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => OracleGuardOptions.Create(TimeSpan.FromSeconds(seconds), 0.02m, 0.05m, 1, 0.1m, 2));
        Assert.Equal("maxQuoteAge", error.ParamName);
    }

    [Fact]
    public void Create_NegativeClockSkew_Throws()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => OracleGuardOptions.Create(TimeSpan.FromSeconds(30), 0.02m, 0.05m, 1, 0.1m, 2, TimeSpan.FromTicks(-1)));
        Assert.Equal("maxClockSkew", error.ParamName);
    }

    [Fact]
    public void Create_MinSourcesZero_Throws()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => OracleGuardOptions.Create(TimeSpan.FromSeconds(30), 0.02m, 0.05m, 0, 0.1m, 2));
        Assert.Equal("minSources", error.ParamName);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    public void Create_QuorumNotAboveMinSources_Throws(int minSources, int quorum)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => OracleGuardOptions.Create(TimeSpan.FromSeconds(30), 0.02m, 0.05m, minSources, 0.1m, quorum));
        Assert.Equal("confirmationQuorum", error.ParamName);
    }
}
