namespace Margin.Engine.Accounts;

/// <summary>An account cannot be evaluated because one of its fields is invalid or refers to something unknown.</summary>
/// <remarks>
/// Batch callers (the sweep, the CLI) catch this per account, report <see cref="AccountId"/>, <see cref="Field"/> and
/// the message, and go on with the other accounts.
/// </remarks>
public sealed class InvalidAccountException : ArgumentException
{
    /// <summary>Creates the exception with a generic message and no account or field.</summary>
    /// <remarks>One of the standard exception constructors of the .NET design guidelines; throw the (account, field, problem) form so batch callers can report where the problem is.</remarks>
    public InvalidAccountException()
        : this(string.Empty, string.Empty, "the account is invalid")
    {
    }

    /// <summary>Creates the exception with a message and no account or field.</summary>
    /// <param name="message">What is wrong; also reported as <see cref="Problem"/>.</param>
    /// <remarks>One of the standard exception constructors of the .NET design guidelines; prefer the (account, field, problem) form.</remarks>
    public InvalidAccountException(string message)
        : this(string.Empty, string.Empty, message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it, and no account or field.</summary>
    /// <param name="message">What is wrong; also reported as <see cref="Problem"/>.</param>
    /// <param name="innerException">The underlying failure.</param>
    /// <remarks>One of the standard exception constructors of the .NET design guidelines; prefer the (account, field, problem) form.</remarks>
    public InvalidAccountException(string message, Exception innerException)
        : base(message, innerException)
    {
        AccountId = string.Empty;
        Field = string.Empty;
        Problem = message;
    }

    /// <summary>Creates the exception for one field of one account; the message is <c>account 'id', field 'path': problem</c>.</summary>
    /// <param name="accountId">The account's id.</param>
    /// <param name="field">The path of the offending field, e.g. <c>balances[2].asset</c>.</param>
    /// <param name="problem">What is wrong, without the account and field prefix.</param>
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
