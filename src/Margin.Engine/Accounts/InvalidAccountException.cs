namespace Margin.Engine.Accounts;

/// <summary>An account cannot be evaluated because one of its fields is invalid or refers to something unknown.</summary>
/// <remarks>
/// Batch callers (the sweep, the CLI) catch this per account, report <see cref="AccountId"/>, <see cref="Field"/> and
/// the message, and go on with the other accounts.
/// </remarks>
public sealed class InvalidAccountException : ArgumentException
{
    public InvalidAccountException()
        : this(string.Empty, string.Empty, "the account is invalid")
    {
    }

    public InvalidAccountException(string message)
        : this(string.Empty, string.Empty, message)
    {
    }

    public InvalidAccountException(string message, Exception innerException)
        : base(message, innerException)
    {
        AccountId = string.Empty;
        Field = string.Empty;
        Problem = message;
    }

    public InvalidAccountException(string accountId, string field, string problem)
        : base($"account '{accountId}', field '{field}': {problem}")
    {
        AccountId = accountId;
        Field = field;
        Problem = problem;
    }

    /// <summary>The account's id.</summary>
    public string AccountId { get; }

    /// <summary>The path of the offending field inside the account, e.g. <c>balances[2].asset</c>.</summary>
    public string Field { get; }

    /// <summary>What is wrong, without the account and field prefix.</summary>
    public string Problem { get; }
}
