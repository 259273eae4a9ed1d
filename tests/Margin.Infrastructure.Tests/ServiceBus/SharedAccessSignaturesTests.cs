using System.Security.Cryptography;
using System.Text;
using Margin.Infrastructure.ServiceBus;

namespace Margin.Infrastructure.Tests.ServiceBus;

public sealed class SharedAccessSignaturesTests
{
    [Fact]
    public void Create_FollowsTheServiceBusFormula()
    {
        const string Audience = "amqp://ns1.servicebus.windows.net/liquidation-orders";
        var expires = new DateTimeOffset(2026, 11, 24, 13, 0, 0, TimeSpan.Zero);

        var token = SharedAccessSignatures.Create(Audience, "Send Key", "c2VjcmV0LWtleQ==", expires);

        // Independently: sr = URL-encoded audience (':' and '/' escaped), sig = URL-encoded base64 HMAC-SHA256 keyed with the key's
        // UTF-8 bytes over sr + "\n" + unix seconds, se = unix seconds, skn = URL-encoded key name.
        const string Sr = "amqp%3A%2F%2Fns1.servicebus.windows.net%2Fliquidation-orders";
        const string Se = "1795525200";
        Assert.Equal(Se, expires.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes("c2VjcmV0LWtleQ=="));
        var sig = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(Sr + "\n" + Se)));
        var sigEncoded = sig.Replace("+", "%2B", StringComparison.Ordinal).Replace("/", "%2F", StringComparison.Ordinal).Replace("=", "%3D", StringComparison.Ordinal);
        Assert.Equal($"SharedAccessSignature sr={Sr}&sig={sigEncoded}&se={Se}&skn=Send+Key", token);
    }

    [Fact]
    public void Create_DifferentKey_DifferentSignature()
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

        Assert.NotEqual(SharedAccessSignatures.Create("amqp://h/q", "k", "one", at), SharedAccessSignatures.Create("amqp://h/q", "k", "two", at));
    }

    [Fact]
    public void Create_TruncatesTheExpiryToWholeSeconds()
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000).AddMilliseconds(999);

        var token = SharedAccessSignatures.Create("amqp://h/q", "k", "key", at);

        Assert.Contains("&se=1800000000&", token, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SharedAccessSignature sr=x&sig=y&se=1800000000&skn=k", 1_800_000_000L)]
    [InlineData("SharedAccessSignature se=1800000001&sr=x&sig=y", 1_800_000_001L)]
    [InlineData("sr=x&sig=y&SE=1800000002", 1_800_000_002L)]
    public void TryReadExpiry_ReadsSe(string token, long seconds)
    {
        Assert.True(SharedAccessSignatures.TryReadExpiry(token, out var at));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(seconds), at);
    }

    [Theory]
    [InlineData("")]
    [InlineData("SharedAccessSignature sr=x&sig=y&skn=k")]
    [InlineData("SharedAccessSignature sr=x&se=soon")]
    [InlineData("SharedAccessSignature sr=x&se=-5")]
    public void TryReadExpiry_NoReadableSe_IsFalse(string token)
    {
        Assert.False(SharedAccessSignatures.TryReadExpiry(token, out _));
    }

    [Fact]
    public void TryReadExpiry_OfCreate_IsTheExpiry()
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(1_800_000_123);

        Assert.True(SharedAccessSignatures.TryReadExpiry(SharedAccessSignatures.Create("amqp://h/q", "k", "key", at), out var read));
        Assert.Equal(at, read);
    }
}
