using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Margin.Infrastructure.ServiceBus;

/// <summary>Service Bus shared access signatures: <c>SharedAccessSignature sr={resource}&amp;sig={signature}&amp;se={expiry}&amp;skn={key name}</c>.</summary>
/// <remarks>
/// Follows Azure.Messaging.ServiceBus (sdk/servicebus/Azure.Messaging.ServiceBus/src/Authorization/SharedAccessSignature.cs, BuildSignature):
/// the resource is URL-encoded with <see cref="WebUtility.UrlEncode(string)"/>; the signature is the base64 HMAC-SHA256, keyed with the
/// key's UTF-8 bytes (the key is not base64-decoded), of <c>encodedResource + "\n" + expiry</c>, where expiry is in Unix seconds; the
/// signature, the expiry and the key name are URL-encoded too.
/// </remarks>
public static class SharedAccessSignatures
{
    /// <summary>Signs a token for <paramref name="resource"/> that expires at <paramref name="expiresAt"/> (truncated to whole seconds).</summary>
    /// <param name="resource">The audience, e.g. <c>amqp://NS.servicebus.windows.net/liquidation-orders</c>.</param>
    /// <param name="keyName">The shared access policy name.</param>
    /// <param name="key">The shared access key.</param>
    /// <param name="expiresAt">When the token expires.</param>
    public static string Create(string resource, string keyName, string key, DateTimeOffset expiresAt)
    {
        ArgumentException.ThrowIfNullOrEmpty(resource);
        ArgumentException.ThrowIfNullOrEmpty(keyName);
        ArgumentException.ThrowIfNullOrEmpty(key);
        var encodedResource = WebUtility.UrlEncode(resource);
        var expiry = expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(encodedResource + "\n" + expiry)));
        return $"SharedAccessSignature sr={encodedResource}&sig={WebUtility.UrlEncode(signature)}&se={expiry}&skn={WebUtility.UrlEncode(keyName)}";
    }

    /// <summary>Reads a token's expiry (<c>se</c>, Unix seconds).</summary>
    /// <param name="token">A <c>SharedAccessSignature ...</c> token.</param>
    /// <param name="expiresAt">Its expiry.</param>
    /// <returns>Whether the token has a readable <c>se</c>.</returns>
    public static bool TryReadExpiry(string token, out DateTimeOffset expiresAt)
    {
        expiresAt = default;
        if (string.IsNullOrWhiteSpace(token))
        {
            return false;
        }

        var text = token.Trim();
        const string Prefix = "SharedAccessSignature ";
        if (text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            text = text[Prefix.Length..];
        }

        foreach (var pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && string.Equals(pair[..eq], "se", StringComparison.OrdinalIgnoreCase)
                && long.TryParse(WebUtility.UrlDecode(pair[(eq + 1)..]), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
                && seconds is > 0 and < 253402300800)
            {
                expiresAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
                return true;
            }
        }

        return false;
    }
}
