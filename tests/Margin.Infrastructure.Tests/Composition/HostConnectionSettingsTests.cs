using Margin.Infrastructure.Composition;

namespace Margin.Infrastructure.Tests.Composition;

public sealed class HostConnectionSettingsTests
{
    [Fact]
    public void Read_ConnectionStrings_SetBothSections()
    {
        var keys = HostConnectionSettings.Read(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["ServiceBusConnection"] = "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=s",
        });
        Assert.Equal("UseDevelopmentStorage=true", keys["Storage:ConnectionString"]);
        Assert.StartsWith("Endpoint=sb://ns.", keys["ServiceBus:ConnectionString"], StringComparison.Ordinal);
        Assert.False(keys.ContainsKey("Storage:TableEndpoint"));
    }

    [Fact]
    public void Read_IdentityBasedAccountName_GivesEndpointsAndClientIds()
    {
        var keys = HostConnectionSettings.Read(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage__accountName"] = "stmargin",
            ["AzureWebJobsStorage__credential"] = "managedidentity",
            ["AzureWebJobsStorage__clientId"] = "11111111-2222-3333-4444-555555555555",
            ["ServiceBusConnection__fullyQualifiedNamespace"] = "sb-margin.servicebus.windows.net",
            ["ServiceBusConnection__clientId"] = "11111111-2222-3333-4444-555555555555",
        });
        Assert.Equal("https://stmargin.table.core.windows.net", keys["Storage:TableEndpoint"]);
        Assert.Equal("https://stmargin.queue.core.windows.net", keys["Storage:QueueEndpoint"]);
        Assert.Equal("11111111-2222-3333-4444-555555555555", keys["Storage:ManagedIdentityClientId"]);
        Assert.Equal("sb-margin.servicebus.windows.net", keys["ServiceBus:FullyQualifiedNamespace"]);
        Assert.Equal("11111111-2222-3333-4444-555555555555", keys["ServiceBus:ManagedIdentityClientId"]);
        Assert.False(keys.ContainsKey("Storage:ConnectionString"));
    }

    [Fact]
    public void Read_ServiceUris_WinOverTheAccountName()
    {
        var keys = HostConnectionSettings.Read(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage__accountName"] = "stmargin",
            ["AzureWebJobsStorage__tableServiceUri"] = "https://stmargin.table.core.chinacloudapi.cn",
            ["AzureWebJobsStorage__queueServiceUri"] = "https://stmargin.queue.core.chinacloudapi.cn",
        });
        Assert.Equal("https://stmargin.table.core.chinacloudapi.cn", keys["Storage:TableEndpoint"]);
        Assert.Equal("https://stmargin.queue.core.chinacloudapi.cn", keys["Storage:QueueEndpoint"]);
    }

    [Fact]
    public void Read_MarginStorage_WinsOverAzureWebJobsStorage()
    {
        var keys = HostConnectionSettings.Read(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "a", ["MARGIN_STORAGE"] = "b" });
        Assert.Equal("b", keys["Storage:ConnectionString"]);
    }

    [Fact]
    public void Read_BlankValues_AreIgnored()
    {
        var keys = HostConnectionSettings.Read(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "  ", ["ServiceBusConnection"] = string.Empty });
        Assert.Empty(keys);
    }
}
