using Azure.Core;

namespace Margin.Infrastructure.ServiceBus;

/// <summary>A token for a CBS put-token: its type (<c>servicebus.windows.net:sastoken</c> or <c>jwt</c>), value and expiry.</summary>
/// <param name="Type">The put-token <c>type</c>.</param>
/// <param name="Value">The token.</param>
/// <param name="ExpiresAt">When it expires (the put-token <c>expiration</c>).</param>
internal sealed record CbsToken(string Type, string Value, DateTimeOffset ExpiresAt);

/// <summary>Where CBS tokens come from: a SAS key (signed here), a ready SAS token, or an Entra ID token credential.</summary>
internal abstract class CbsCredential
{
    /// <summary>The put-token type for SAS tokens (Microsoft.Azure.Amqp CbsConstants.ServiceBusSasTokenType).</summary>
    public const string SasTokenType = "servicebus.windows.net:sastoken";

    /// <summary>The put-token type for Entra ID tokens.</summary>
    public const string JwtTokenType = "jwt";

    /// <summary>The scope Entra ID tokens for Service Bus are requested for.</summary>
    public const string Scope = "https://servicebus.azure.net/.default";

    /// <summary>The kind, for messages: <c>SAS key 'NAME'</c>, <c>SAS token</c>, <c>Entra ID token</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>Whether a later put-token can carry a fresh token (a ready SAS token cannot be renewed).</summary>
    public virtual bool Renewable => true;

    /// <summary>A token for <paramref name="audience"/>.</summary>
    public abstract ValueTask<CbsToken> GetTokenAsync(string audience, DateTimeOffset now, CancellationToken cancellationToken);

    private static string AudienceHost(string audience) => Uri.TryCreate(audience, UriKind.Absolute, out var uri) ? uri.Host : audience;

    private static string AudiencePath(string audience) => Uri.TryCreate(audience, UriKind.Absolute, out var uri) ? uri.AbsolutePath.Trim('/') : audience;

    /// <summary>Signs SAS tokens with a shared access key, each for <see cref="ServiceBusOptions.TokenLifetime"/>.</summary>
    internal sealed class SasKey(string keyName, string key, TimeSpan lifetime) : CbsCredential
    {
        public override string Kind => $"SAS key '{keyName}'";

        public override ValueTask<CbsToken> GetTokenAsync(string audience, DateTimeOffset now, CancellationToken cancellationToken)
        {
            // se is whole Unix seconds: the put-token expiration is the same instant as the token's se.
            var expiresAt = DateTimeOffset.FromUnixTimeSeconds((now + lifetime).ToUnixTimeSeconds());
            return ValueTask.FromResult(new CbsToken(SasTokenType, SharedAccessSignatures.Create(audience, keyName, key, expiresAt), expiresAt));
        }
    }

    /// <summary>A ready SAS token from the connection string, used as is; its expiry is its <c>se</c>.</summary>
    internal sealed class SasToken(string token) : CbsCredential
    {
        private readonly DateTimeOffset _expiresAt = SharedAccessSignatures.TryReadExpiry(token, out var se)
            ? se
            : throw new ArgumentException("ServiceBus:ConnectionString: the SharedAccessSignature has no readable expiry (se=UNIX-SECONDS)");

        public override string Kind => "SAS token";

        public override bool Renewable => false;

        public override ValueTask<CbsToken> GetTokenAsync(string audience, DateTimeOffset now, CancellationToken cancellationToken) =>
            now >= _expiresAt
                ? throw new ServiceBusException($"Service Bus namespace '{AudienceHost(audience)}': cannot authorise queue '{AudiencePath(audience)}': the SharedAccessSignature in ServiceBus:ConnectionString expired at {_expiresAt:O}; give a fresh one or a SharedAccessKey")
                : ValueTask.FromResult(new CbsToken(SasTokenType, token, _expiresAt));
    }

    /// <summary>Entra ID tokens (managed identity in Azure) from an Azure.Identity credential, scope <see cref="Scope"/>.</summary>
    internal sealed class Entra(TokenCredential credential) : CbsCredential
    {
        public override string Kind => "Entra ID token";

        public override async ValueTask<CbsToken> GetTokenAsync(string audience, DateTimeOffset now, CancellationToken cancellationToken)
        {
            // Azure.Identity caches tokens and refreshes them before expiry, so every put-token may ask.
            var token = await credential.GetTokenAsync(new TokenRequestContext([Scope]), cancellationToken).ConfigureAwait(false);
            return new CbsToken(JwtTokenType, token.Token, token.ExpiresOn);
        }
    }
}
