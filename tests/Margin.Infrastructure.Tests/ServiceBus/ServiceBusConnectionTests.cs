using Azure.Core;
using Margin.Infrastructure.Composition;
using Margin.Infrastructure.ServiceBus;

namespace Margin.Infrastructure.Tests.ServiceBus;

public sealed class ServiceBusConnectionTests
{
    private const string Azure = "Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=abc";
    private const string Emulator = "Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;";

    [Fact]
    public async Task Create_AzureConnectionString_IsAmqpsOn5671WithTheSasKey()
    {
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = Azure }, null, TimeProvider.System);

        Assert.Equal("ns1.servicebus.windows.net", connection.Namespace);
        Assert.True(connection.UseTls);
        Assert.Equal(5671, connection.Port);
        Assert.Equal("SAS key 'Root'", connection.CredentialKind);
        Assert.Equal("amqp://ns1.servicebus.windows.net/liquidation-orders", connection.Audience("liquidation-orders"));
        Assert.Equal(0, connection.Connects);
    }

    [Fact]
    public async Task Create_Emulator_IsPlainAmqpOn5672()
    {
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = Emulator }, null, TimeProvider.System);

        Assert.False(connection.UseTls);
        Assert.Equal(5672, connection.Port);
    }

    [Fact]
    public async Task Create_PortAndTlsOptions_Override()
    {
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = Azure, UseTls = false, Port = 15672, UseCbs = false }, null, TimeProvider.System);

        Assert.False(connection.UseTls);
        Assert.Equal(15672, connection.Port);
        Assert.Equal("none (CBS off)", connection.CredentialKind);
    }

    [Fact]
    public async Task Create_ReadySignature_IsASasToken()
    {
        var sas = SharedAccessSignatures.Create("amqp://ns1.servicebus.windows.net/", "Send", "k", DateTimeOffset.FromUnixTimeSeconds(1_900_000_000));

        await using var connection = new ServiceBusConnection(new ServiceBusOptions { ConnectionString = $"Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessSignature={sas}" }, null, TimeProvider.System);

        Assert.Equal("SAS token", connection.CredentialKind);
    }

    [Fact]
    public void Create_ReadySignatureWithoutExpiry_SaysSo()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ServiceBusConnection(new ServiceBusOptions { ConnectionString = "Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessSignature=SharedAccessSignature sr=x&sig=y" }, null, TimeProvider.System));

        Assert.Contains("no readable expiry", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_NamespaceWithoutCredential_SaysWhatIsMissing()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ServiceBusConnection(new ServiceBusOptions { FullyQualifiedNamespace = "ns1.servicebus.windows.net" }, null, TimeProvider.System));

        Assert.Contains("needs a token credential", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_NamespaceWithCredential_IsAnEntraIdToken()
    {
        await using var connection = new ServiceBusConnection(new ServiceBusOptions { FullyQualifiedNamespace = "ns1.servicebus.windows.net" }, new NoCredential(), TimeProvider.System);

        Assert.Equal("Entra ID token", connection.CredentialKind);
        Assert.Equal(5671, connection.Port);
    }

    [Fact]
    public void Create_InvalidOptions_ListsEveryProblem()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ServiceBusConnection(new ServiceBusOptions { ConnectionString = Azure, Port = 0, MaxInFlight = 0 }, null, TimeProvider.System));

        Assert.Contains("ServiceBus:Port", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ServiceBus:MaxInFlight", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_NotConfigured_IsNull()
    {
        Assert.Null(ServiceBusComposition.Connect(new ServiceBusOptions(), TimeProvider.System));
    }

    [Fact]
    public void Connect_Invalid_ThrowsWithTheProblems()
    {
        var ex = Assert.Throws<ArgumentException>(() => ServiceBusComposition.Connect(new ServiceBusOptions { ConnectionString = "Endpoint=sb://ns/" }, TimeProvider.System));

        Assert.Contains("ServiceBus:ConnectionString", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_Configured_IsAConnection()
    {
        await using var connection = ServiceBusComposition.Connect(new ServiceBusOptions { ConnectionString = Azure }, TimeProvider.System);

        Assert.NotNull(connection);
        Assert.Equal("ns1.servicebus.windows.net", connection.Namespace);
    }

    private sealed class NoCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => throw new NotSupportedException();

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
