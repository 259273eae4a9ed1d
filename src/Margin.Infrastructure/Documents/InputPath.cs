namespace Margin.Infrastructure.Documents;

/// <summary>Builds the dotted paths used in error messages: <c>parameters.assets.BTC.initial.tiers[1].upToUsd</c>.</summary>
/// <remarks>The same notation as the engine's parameter paths, so a problem found by the CLI and one found by the engine read alike.</remarks>
internal static class InputPath
{
    public static string Property(string parent, string name) => parent.Length == 0 ? name : $"{parent}.{name}";

    public static string Index(string parent, int index) => $"{parent}[{index.ToString(System.Globalization.CultureInfo.InvariantCulture)}]";
}
