namespace Margin.Infrastructure.Documents.Evaluation;

/// <summary>An account that could not be evaluated, and why.</summary>
/// <param name="Index">The account's position in the input's <c>accounts</c> array.</param>
/// <param name="AccountId">The account id, or null when the input has none.</param>
/// <param name="Field">The offending field relative to the account (<c>balances[0].quantity</c>), or null for the whole account.</param>
/// <param name="Problem">What is wrong.</param>
public sealed record AccountFailure(int Index, string? AccountId, string? Field, string Problem)
{
    /// <summary>The account as people should read it: its id, or its position when it has none.</summary>
    public string Name => AccountId is null ? $"accounts[{Index}] (no id)" : $"'{AccountId}' (accounts[{Index}])";

    /// <inheritdoc />
    public override string ToString() => Field is null or "" ? $"account {Name}: {Problem}" : $"account {Name}, field '{Field}': {Problem}";
}
