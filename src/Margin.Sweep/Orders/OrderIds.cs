using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Margin.Sweep.Orders;

/// <summary>Order ids derived from (account, episode), so every retry and every later sweep names the same order.</summary>
/// <remarks>
/// <c>ord-</c> and 32 lowercase hex digits: the first 128 bits of SHA-256 over the UTF-8 account id, a unit separator and
/// the episode number. Fits a Service Bus message id (at most 128 characters) and a table row key whatever the account id.
/// </remarks>
public static class OrderIds
{
    /// <summary>The order id of an account's liquidation episode.</summary>
    /// <param name="accountId">The account id.</param>
    /// <param name="episode">The episode, 1 or more.</param>
    public static string For(string accountId, int episode)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        ArgumentOutOfRangeException.ThrowIfLessThan(episode, 1);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{accountId}\u001f{episode}")));
        return "ord-" + Convert.ToHexStringLower(hash, 0, 16);
    }
}
