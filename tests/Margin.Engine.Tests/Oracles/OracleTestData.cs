using Margin.Engine.Domain;
using Margin.Engine.Oracles;

namespace Margin.Engine.Tests.Oracles;

/// <summary>Shared builders for the oracle tests.</summary>
internal static class OracleTestData
{
    public static readonly Asset Btc = Asset.Of("BTC");

    public static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static OracleQuote Quote(string source, decimal price, decimal confidence = 0m, TimeSpan? age = null) =>
        OracleQuote.Create(source, Btc, price, confidence, Now - (age ?? TimeSpan.FromSeconds(1)));

    public static OracleGuardOptions Options(int minSources = 1, int quorum = 3, decimal outlierBand = 0.05m, decimal guardBand = 0.10m) =>
        OracleGuardOptions.Create(
            maxQuoteAge: TimeSpan.FromSeconds(30),
            maxConfidenceFraction: 0.02m,
            outlierBand: outlierBand,
            minSources: minSources,
            guardBand: guardBand,
            confirmationQuorum: quorum,
            maxClockSkew: TimeSpan.FromSeconds(2));
}
