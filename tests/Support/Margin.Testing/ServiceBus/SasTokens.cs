using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Margin.Testing.ServiceBus;

/// <summary>Service Bus shared access signatures: made for raw-client tests, checked by the emulated <c>$cbs</c> node.</summary>
/// <remarks>
/// Format (learn.microsoft.com/azure/service-bus-messaging/service-bus-sas, "Generate a Shared Access Signature token"):
/// <c>SharedAccessSignature sr={URL-encoded resource}&amp;sig={URL-encoded base64 HMAC-SHA256}&amp;se={expiry, unix seconds}&amp;skn={key name}</c>,
/// the HMAC keyed with the UTF-8 bytes of the key over <c>{URL-encoded resource}\n{expiry}</c>.
/// </remarks>
public static class SasTokens
{
    private const string Prefix = "SharedAccessSignature ";

    /// <summary>Makes a token for <paramref name="resource"/> (e.g. <c>amqp://127.0.0.1/queue</c> or <c>sb://127.0.0.1/</c>).</summary>
    public static string Create(string resource, string keyName, string key, DateTimeOffset expiresAt)
    {
        ArgumentException.ThrowIfNullOrEmpty(resource);
        ArgumentException.ThrowIfNullOrEmpty(keyName);
        ArgumentException.ThrowIfNullOrEmpty(key);
        var encodedResource = WebUtility.UrlEncode(resource);
        var expiry = expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Sign(encodedResource, expiry, key);
        return $"{Prefix}sr={encodedResource}&sig={WebUtility.UrlEncode(signature)}&se={expiry}&skn={WebUtility.UrlEncode(keyName)}";
    }

    /// <summary>Checks a token against the keys, the clock and the audience; the result carries a put-token status code.</summary>
    internal static TokenCheck Validate(string token, string audience, IReadOnlyDictionary<string, string> keys, DateTimeOffset now)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return TokenCheck.Fail(401, "InvalidSignature: the token does not start with 'SharedAccessSignature '");
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in token[Prefix.Length..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !fields.TryAdd(pair[..eq], pair[(eq + 1)..]))
            {
                return TokenCheck.Fail(401, $"InvalidSignature: malformed token field '{pair}'");
            }
        }

        if (!fields.TryGetValue("sr", out var srRaw) || !fields.TryGetValue("sig", out var sigRaw) || !fields.TryGetValue("se", out var seRaw) || !fields.TryGetValue("skn", out var sknRaw))
        {
            return TokenCheck.Fail(401, "InvalidSignature: the token needs sr, sig, se and skn");
        }

        var keyName = Uri.UnescapeDataString(sknRaw);
        if (!keys.TryGetValue(keyName, out var key))
        {
            return TokenCheck.Fail(401, $"InvalidSignature: unknown shared access key name '{keyName}'");
        }

        // The signature covers the resource exactly as it is written in the token (URL-encoded) and the expiry text.
        var expected = Convert.FromBase64String(Sign(srRaw, seRaw, key));
        byte[] given;
        try
        {
            given = Convert.FromBase64String(Uri.UnescapeDataString(sigRaw));
        }
        catch (FormatException)
        {
            return TokenCheck.Fail(401, "InvalidSignature: sig is not base64");
        }

        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            return TokenCheck.Fail(401, $"InvalidSignature: the token has an invalid signature (key name '{keyName}')");
        }

        if (!long.TryParse(seRaw, NumberStyles.None, CultureInfo.InvariantCulture, out var se))
        {
            return TokenCheck.Fail(401, $"InvalidSignature: se '{seRaw}' is not unix seconds");
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(se);
        if (expiresAt <= now)
        {
            return TokenCheck.Fail(401, $"ExpiredToken: the token expired at {expiresAt:O} (now {now:O})");
        }

        var resource = Uri.UnescapeDataString(srRaw);
        if (!Audiences.Covers(resource, audience))
        {
            return TokenCheck.Fail(403, $"InvalidAudience: the token's resource '{resource}' does not cover the audience '{audience}'");
        }

        return new TokenCheck(true, 0, "", expiresAt, keyName);
    }

    private static string Sign(string encodedResource, string expiry, string key)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(encodedResource + "\n" + expiry));
        return Convert.ToBase64String(mac);
    }
}

/// <summary>The outcome of checking a token.</summary>
internal sealed record TokenCheck(bool Valid, int StatusCode, string Description, DateTimeOffset ExpiresAt, string? KeyName)
{
    public static TokenCheck Fail(int status, string description) => new(false, status, description, default, null);
}

/// <summary>Audience arithmetic: scheme-insensitive (amqp, amqps, sb, http, https), host case-insensitive, path prefix at a segment boundary.</summary>
internal static class Audiences
{
    /// <summary>Splits an audience into lower-case host and path without leading or trailing slashes.</summary>
    public static (string Host, string Path) Split(string audience)
    {
        var rest = audience.Trim();
        var scheme = rest.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            rest = rest[(scheme + 3)..];
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var host = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? "" : rest[(slash + 1)..];
        var colon = host.LastIndexOf(':');
        if (colon > 0 && !host.EndsWith(']'))
        {
            host = host[..colon];
        }

        return (host.ToLowerInvariant(), path.Trim('/').ToLowerInvariant());
    }

    /// <summary>Whether a token for <paramref name="resource"/> covers <paramref name="audience"/>.</summary>
    public static bool Covers(string resource, string audience)
    {
        var (rHost, rPath) = Split(resource);
        var (aHost, aPath) = Split(audience);
        return rHost == aHost && PathCovers(rPath, aPath);
    }

    /// <summary>Whether a granted path covers an entity path: the namespace root covers all; otherwise equal or a parent.</summary>
    public static bool PathCovers(string grantedPath, string entityPath) =>
        grantedPath.Length == 0 || entityPath == grantedPath || entityPath.StartsWith(grantedPath + "/", StringComparison.Ordinal);
}
