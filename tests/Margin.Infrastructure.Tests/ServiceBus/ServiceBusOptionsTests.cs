using Margin.Infrastructure.Composition;
using Margin.Infrastructure.ServiceBus;

namespace Margin.Infrastructure.Tests.ServiceBus;

public sealed class ServiceBusOptionsTests
{
    private const string Key = "Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=abc";

    [Fact]
    public void Problems_Unconfigured_IsValidAndNotConfigured()
    {
        var options = new ServiceBusOptions();

        Assert.Empty(options.Problems());
        Assert.False(options.IsConfigured);
    }

    [Fact]
    public void Problems_Defaults_WithAConnectionString_AreValid()
    {
        var options = new ServiceBusOptions { ConnectionString = Key };

        Assert.Empty(options.Problems());
        Assert.True(options.IsConfigured);
    }

    public static TheoryData<ServiceBusOptions, string> Invalid => new()
    {
        { new ServiceBusOptions { ConnectionString = "Endpoint=sb://ns/" }, "ServiceBus:ConnectionString: give SharedAccessKeyName" },
        { new ServiceBusOptions { FullyQualifiedNamespace = "not a host!" }, "ServiceBus:FullyQualifiedNamespace must be a host name" },
        { new ServiceBusOptions { ConnectionString = Key, OrdersQueue = "bad queue" }, "ServiceBus:OrdersQueue must be a queue name" },
        { new ServiceBusOptions { ConnectionString = Key, EventsQueue = string.Empty }, "ServiceBus:EventsQueue must be a queue name" },
        { new ServiceBusOptions { ConnectionString = Key, Port = 0 }, "ServiceBus:Port must be in [1, 65535] (got 0)" },
        { new ServiceBusOptions { ConnectionString = Key, SaslUser = "guest" }, "ServiceBus:SaslUser and ServiceBus:SaslPassword go together" },
        { new ServiceBusOptions { ConnectionString = Key, MaxBatchBytes = 100 }, "ServiceBus:MaxBatchBytes must be in [1024, 104857600] (got 100)" },
        { new ServiceBusOptions { ConnectionString = Key, MaxInFlight = 0 }, "ServiceBus:MaxInFlight must be in [1, 5000] (got 0)" },
        { new ServiceBusOptions { ConnectionString = Key, SendTimeout = TimeSpan.Zero }, "ServiceBus:SendTimeout must be positive" },
        { new ServiceBusOptions { ConnectionString = Key, OperationTimeout = TimeSpan.FromSeconds(-1) }, "ServiceBus:OperationTimeout must be positive" },
        { new ServiceBusOptions { ConnectionString = Key, TokenRenewBefore = TimeSpan.FromHours(2) }, "ServiceBus:TokenRenewBefore must be at least 0 and less than TokenLifetime" },
        { new ServiceBusOptions { ConnectionString = Key, ReconnectMinDelay = TimeSpan.FromSeconds(5), ReconnectMaxDelay = TimeSpan.FromSeconds(1) }, "ServiceBus:ReconnectMaxDelay must be at least ReconnectMinDelay" },
    };

    [Fact]
    public void Problems_EntityPathOtherThanTheOrdersQueue_SaysTheKeyOnlyAuthorisesThatQueue()
    {
        var options = new ServiceBusOptions { ConnectionString = Key + ";EntityPath=other-queue" };

        var problem = Assert.Single(options.Problems());

        Assert.StartsWith("ServiceBus:ConnectionString names EntityPath=other-queue, but ServiceBus:OrdersQueue is 'liquidation-orders' and ServiceBus:EventsQueue is 'liquidation-events': a queue-scoped key only authorises its own queue.", problem, StringComparison.Ordinal);
        Assert.Contains("the events queue's to consume reports", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_EntityPathIsTheOrdersQueue_Valid()
    {
        Assert.Empty(new ServiceBusOptions { ConnectionString = Key + ";EntityPath=liquidation-orders" }.Problems());
        Assert.Empty(new ServiceBusOptions { ConnectionString = Key + ";EntityPath=liquidation-events" }.Problems()); // an executor-feedback consumer's key
    }

    [Fact]
    public void CredentialOptions_ManagedIdentityClientId_UsedForTheUserAssignedIdentity()
    {
        var options = new ServiceBusOptions { FullyQualifiedNamespace = "ns1.servicebus.windows.net", ManagedIdentityClientId = " 6f1b6c3e-0000-4000-8000-000000000001 " };

        Assert.Equal("6f1b6c3e-0000-4000-8000-000000000001", ServiceBusComposition.CredentialOptions(options).ManagedIdentityClientId);
        Assert.Null(ServiceBusComposition.CredentialOptions(options with { ManagedIdentityClientId = null }).ManagedIdentityClientId);
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Problems_Invalid_NamesTheSetting(ServiceBusOptions options, string expected)
    {
        var problem = Assert.Single(options.Problems());

        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }
}
