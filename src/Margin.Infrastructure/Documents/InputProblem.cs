namespace Margin.Infrastructure.Documents;

/// <summary>One thing wrong with the input, at a path inside the document or inside one account.</summary>
/// <param name="Field">The path of the offending value, e.g. <c>parameters.assets.BTC.depthUsd</c> or <c>balances[0].quantity</c>; null when the problem is the whole document.</param>
/// <param name="Problem">What is wrong, in a sentence without the path.</param>
public sealed record InputProblem(string? Field, string Problem)
{
    /// <inheritdoc />
    public override string ToString() => Field is null ? Problem : $"{Field}: {Problem}";
}
