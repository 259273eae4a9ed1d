using Margin.Engine.Accounts;

namespace Margin.Infrastructure.Documents;

/// <summary>One element of the document's <c>accounts</c> array: the account when it could be read, its problems otherwise.</summary>
/// <param name="Index">The position in <c>accounts</c>, so an account without an id can still be named (<c>accounts[3]</c>).</param>
/// <param name="Id">The account id, or null when it is missing or not a string.</param>
/// <param name="Account">The account, or null when <paramref name="Problems"/> is not empty.</param>
/// <param name="LiquidationInFlight">Whether an order for the account is still open (the evaluation context).</param>
/// <param name="Problems">What is wrong, with paths relative to the account (<c>balances[0].quantity</c>).</param>
public sealed record AccountEntry(int Index, string? Id, Account? Account, bool LiquidationInFlight, IReadOnlyList<InputProblem> Problems);
