using Margin.Engine.Portfolio;

namespace Margin.Engine.Tests.Portfolio;

/// <summary>The grid settings shared by the portfolio tests: R = 15 %, n = 5, vol shift 45 %, Deribit exponents, floor 5 %, tails -66 % and +500 %.</summary>
internal static class PortfolioTestSettings
{
    public static ScenarioGridSettings Default() =>
        ScenarioGridSettings.Create(0.15, 5, 0.45, ScenarioGridSettings.DeribitShortDatedExponent, ScenarioGridSettings.DeribitLongDatedExponent, 0.05, [-0.66, 5.0]);
}
