using System.Text.Json.Nodes;

namespace MarginFunctions.Tests.Infrastructure;

/// <summary>The function app, its plan and its settings in the ARM JSON built from infra/main.bicep.</summary>
public sealed class FunctionAppTemplateTests
{
    [Fact]
    public async Task Plan_Sku_IsFlexConsumptionFc1OnLinux()
    {
        var plan = ArmTemplate.Resource(await BicepCli.CompiledMainAsync(), "plan");

        Assert.Equal("Microsoft.Web/serverfarms", (string?)plan["type"]);
        Assert.Equal("FC1", (string?)plan["sku"]?["name"]);
        Assert.Equal("FlexConsumption", (string?)plan["sku"]?["tier"]);
        Assert.True((bool?)plan["properties"]?["reserved"]);
    }

    [Fact]
    public async Task Site_FunctionAppConfig_TakesRuntimeAndScaleFromParameters()
    {
        var template = await BicepCli.CompiledMainAsync();
        var site = ArmTemplate.Resource(template, "site");
        var config = site["properties"]?["functionAppConfig"];

        Assert.Equal("Microsoft.Web/sites", (string?)site["type"]);
        Assert.Equal("2025-03-01", (string?)site["apiVersion"]);
        Assert.Equal("functionapp,linux", (string?)site["kind"]);
        Assert.Equal("[parameters('functionRuntimeName')]", (string?)config?["runtime"]?["name"]);
        Assert.Equal("[parameters('functionRuntimeVersion')]", (string?)config?["runtime"]?["version"]);
        Assert.Equal("custom", (string?)ArmTemplate.DefaultOf(template, "functionRuntimeName"));
        Assert.Equal("1.0", (string?)ArmTemplate.DefaultOf(template, "functionRuntimeVersion"));
        Assert.Equal("[parameters('maximumInstanceCount')]", (string?)config?["scaleAndConcurrency"]?["maximumInstanceCount"]);
        Assert.Equal("[parameters('instanceMemoryMB')]", (string?)config?["scaleAndConcurrency"]?["instanceMemoryMB"]);
    }

    [Fact]
    public async Task Site_DeploymentStorage_IsTheBlobContainerReadWithTheUserAssignedIdentity()
    {
        var site = ArmTemplate.Resource(await BicepCli.CompiledMainAsync(), "site");
        var storage = site["properties"]?["functionAppConfig"]?["deployment"]?["storage"];

        Assert.Equal("blobContainer", (string?)storage?["type"]);
        Assert.Contains("primaryEndpoints.blob", (string?)storage?["value"], StringComparison.Ordinal);
        Assert.Equal("UserAssignedIdentity", (string?)storage?["authentication"]?["type"]);
        Assert.Contains("Microsoft.ManagedIdentity/userAssignedIdentities", (string?)storage?["authentication"]?["userAssignedIdentityResourceId"], StringComparison.Ordinal);
        Assert.Equal("UserAssigned", (string?)site["identity"]?["type"]);
    }

    [Fact]
    public async Task Site_Transport_IsHttpsOnlyTls12WithoutFtp()
    {
        var template = await BicepCli.CompiledMainAsync();
        var site = ArmTemplate.Resource(template, "site");

        Assert.True((bool?)site["properties"]?["httpsOnly"]);
        Assert.Equal("1.2", (string?)site["properties"]?["siteConfig"]?["minTlsVersion"]);
        Assert.Equal("Disabled", (string?)site["properties"]?["siteConfig"]?["ftpsState"]);
        Assert.False((bool?)ArmTemplate.Resource(template, "ftpPublishing")["properties"]?["allow"]);
        Assert.False((bool?)ArmTemplate.Resource(template, "scmPublishing")["properties"]?["allow"]);
    }

    [Fact]
    public async Task Site_Tags_NameTheAzdServiceAndEnvironment()
    {
        var template = await BicepCli.CompiledMainAsync();
        var tags = (string?)ArmTemplate.Resource(template, "site")["tags"];

        Assert.Contains("createObject('azd-service-name', variables('serviceName'))", tags, StringComparison.Ordinal);
        Assert.Equal("margin", (string?)template["variables"]?["serviceName"]);
        Assert.Equal("[parameters('environmentName')]", (string?)template["variables"]?["tags"]?["azd-env-name"]);
    }

    [Theory]
    [InlineData("AzureWebJobsStorage__accountName", "format('st{0}', variables('resourceToken'))")]
    [InlineData("AzureWebJobsStorage__credential", "'managedidentity'")]
    [InlineData("AzureWebJobsStorage__clientId", "reference('identity').clientId")]
    [InlineData("ServiceBusConnection__fullyQualifiedNamespace", "replace(replace(reference('serviceBus').serviceBusEndpoint, 'https://', ''), ':443/', '')")]
    [InlineData("ServiceBusConnection__credential", "'managedidentity'")]
    [InlineData("ServiceBusConnection__clientId", "reference('identity').clientId")]
    [InlineData("AZURE_CLIENT_ID", "reference('identity').clientId")]
    [InlineData("APPLICATIONINSIGHTS_CONNECTION_STRING", "reference('appInsights').ConnectionString")]
    [InlineData("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "format('ClientId={0};Authorization=AAD', reference('identity').clientId)")]
    [InlineData("PriceRefreshSchedule", "parameters('priceRefreshSchedule')")]
    [InlineData("SweepSchedule", "parameters('sweepSchedule')")]
    [InlineData("RelaySchedule", "parameters('relaySchedule')")]
    [InlineData("MARGIN_Storage__Partitions", "string(parameters('storagePartitions'))")]
    [InlineData("MARGIN_ServiceBus__FullyQualifiedNamespace", "replace(replace(reference('serviceBus').serviceBusEndpoint, 'https://', ''), ':443/', '')")]
    [InlineData("MARGIN_ServiceBus__ManagedIdentityClientId", "reference('identity').clientId")]
    public async Task AppSettings_Setting_HasItsValue(string name, string value)
    {
        var settings = await AppSettingsExpressionAsync();

        Assert.Contains($"createObject('name', '{name}', 'value', {value})", settings, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("priceRefreshSchedule", "0 * * * * *")]
    [InlineData("sweepSchedule", "0 */5 * * * *")]
    [InlineData("relaySchedule", "30 */2 * * * *")]
    public async Task Schedules_Default_IsTheSharedSchedule(string parameter, string schedule)
    {
        Assert.Equal(schedule, (string?)ArmTemplate.DefaultOf(await BicepCli.CompiledMainAsync(), parameter));
    }

    [Fact]
    public async Task AppSettings_OracleSources_AreFlattenedUnderTheirPrefix()
    {
        var template = await BicepCli.CompiledMainAsync();
        var settings = await AppSettingsExpressionAsync();
        var copy = template["variables"]?["copy"]?.AsArray().Single(c => (string?)c?["name"] == "oracleAppSettings");

        Assert.EndsWith("variables('oracleAppSettings'))]", settings, StringComparison.Ordinal);
        Assert.Equal("[length(items(parameters('oracleSources')))]", (string?)copy?["count"]);
        Assert.StartsWith("[format('MARGIN_Oracles__Sources__{0}'", (string?)copy?["input"]?["name"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("FUNCTIONS_WORKER_RUNTIME")]
    [InlineData("FUNCTIONS_EXTENSION_VERSION")]
    [InlineData("WEBSITE_RUN_FROM_PACKAGE")]
    [InlineData("AzureWebJobsStorage'")]
    [InlineData("ServiceBusConnection'")]
    public async Task Template_FlexDeprecatedOrKeyBasedSetting_IsAbsent(string setting)
    {
        // Flex rejects the first three (runtime and package live in functionAppConfig); the last two would be
        // connection strings, which cannot exist with shared keys and SAS off.
        var json = ArmTemplate.Text(await BicepCli.CompiledMainAsync());

        Assert.DoesNotContain(setting, json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EntraAuth_WhenEnabled_Returns401ForEveryPath()
    {
        var template = await BicepCli.CompiledMainAsync();
        var auth = ArmTemplate.Resource(template, "authSettings");
        var validation = auth["properties"]?["globalValidation"];

        Assert.Contains("'authsettingsV2'", (string?)auth["name"], StringComparison.Ordinal);
        Assert.True((bool?)validation?["requireAuthentication"]);
        Assert.Equal("Return401", (string?)validation?["unauthenticatedClientAction"]);
        Assert.Null(validation?["excludedPaths"]);
        Assert.Equal("[parameters('entraClientId')]", (string?)auth["properties"]?["identityProviders"]?["azureActiveDirectory"]?["registration"]?["clientId"]);
    }

    [Fact]
    public async Task EntraAuth_Enabled_IsExactlyWhenAClientIdIsGiven()
    {
        // With a separate switch, "on" with an empty id deployed the audiences 'api://' and '': a broken authentication.
        var template = await BicepCli.CompiledMainAsync();

        Assert.Equal("[variables('enableEntraAuth')]", (string?)ArmTemplate.Resource(template, "authSettings")["condition"]);
        Assert.Equal("[not(empty(parameters('entraClientId')))]", (string?)template["variables"]?["enableEntraAuth"]);
        Assert.Equal(string.Empty, (string?)ArmTemplate.DefaultOf(template, "entraClientId"));
        Assert.Null(template["parameters"]?["enableEntraAuth"]);
    }

    [Fact]
    public async Task BuildParams_SwitchOnWithAnEmptyClientId_IsRefused()
    {
        var run = await BicepCli.BuildParamsAsync("param environmentName = 'dev'", "param enableEntraAuth = true", "param entraClientId = ''");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("enableEntraAuth", run.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("11111111-2222-3333-4444-555555555555")]
    public async Task BuildParams_ClientIdAlone_Builds(string clientId)
    {
        var run = await BicepCli.BuildParamsAsync("param environmentName = 'dev'", $"param entraClientId = '{clientId}'");

        Assert.True(run.ExitCode == 0, $"bicep build-params exited with {run.ExitCode}:\n{run.StandardError}");
        var parameters = JsonNode.Parse((string?)JsonNode.Parse(run.StandardOutput)?["parametersJson"] ?? "{}")?["parameters"];
        Assert.Equal(clientId, (string?)parameters?["entraClientId"]?["value"]);
    }

    private static async Task<string> AppSettingsExpressionAsync()
    {
        var site = ArmTemplate.Resource(await BicepCli.CompiledMainAsync(), "site");
        return site["properties"]?["siteConfig"]?["appSettings"] is JsonValue value
            ? (string?)value ?? string.Empty
            : throw new InvalidOperationException("siteConfig.appSettings is not an expression");
    }
}
