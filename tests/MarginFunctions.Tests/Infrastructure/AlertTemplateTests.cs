using System.Text.Json.Nodes;

namespace MarginFunctions.Tests.Infrastructure;

/// <summary>The alert rules of infra/modules/alerts.bicep as they appear in the ARM JSON of infra/main.bicep.</summary>
public sealed class AlertTemplateTests
{
    [Fact]
    public async Task LogAlerts_Count_IsFiveOverTheWorkspace()
    {
        var alerts = await AlertsTemplateAsync();
        var rules = alerts["variables"]?["rules"]?.AsArray();
        var logAlerts = ArmTemplate.Resource(alerts, "logAlerts");

        Assert.Equal("Microsoft.Insights/scheduledQueryRules", (string?)logAlerts["type"]);
        Assert.Equal("[length(variables('rules'))]", (string?)logAlerts["copy"]?["count"]);
        Assert.NotNull(rules);
        Assert.Equal(5, rules.Count);
        Assert.Contains("Microsoft.OperationalInsights/workspaces", (string?)logAlerts["properties"]?["scopes"]?[0], StringComparison.Ordinal);
        Assert.Equal("PT5M", (string?)logAlerts["properties"]?["evaluationFrequency"]);
    }

    [Theory]
    [InlineData("stale-prices", "margin.price.age", "priceAgeThresholdSeconds", 1)]
    [InlineData("poison-messages", "margin.poison", null, 2)]
    [InlineData("outbox-backlog", "margin.outbox.backlog", "outboxBacklogThreshold", 2)]
    [InlineData("sweep-overrun", "margin.sweep.overruns", null, 2)]
    [InlineData("handler-failures", "margin.handler.failures", "handlerFailureThreshold", 2)]
    public async Task LogAlert_Rule_QueriesItsMetric(string name, string metric, string? thresholdParameter, int severity)
    {
        var alerts = await AlertsTemplateAsync();
        var rule = Rule(alerts, name);
        var query = ArmTemplate.Text(rule["query"]!);

        Assert.Contains($"\"{metric}\"", QueryText(alerts, query), StringComparison.Ordinal);
        Assert.Equal(severity, (int?)rule["severity"]);
        Assert.Equal(
            thresholdParameter is null ? "0" : $"\"[parameters('{thresholdParameter}')]\"",
            ArmTemplate.Text(rule["threshold"]!));
    }

    [Fact]
    public async Task SweepOverrun_Query_ComparesTheDurationWithTheSweepInterval()
    {
        var alerts = await AlertsTemplateAsync();
        var query = QueryText(alerts, (string?)Rule(alerts, "sweep-overrun")["query"] ?? string.Empty);

        Assert.Contains("> SWEEP_INTERVAL_SECONDS", query, StringComparison.Ordinal);
        Assert.Contains("'SWEEP_INTERVAL_SECONDS', string(parameters('sweepIntervalSeconds'))", query, StringComparison.Ordinal);
        Assert.Contains("margin.sweep.duration", query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandlerFailures_Query_CountsFailedInvocations()
    {
        var alerts = await AlertsTemplateAsync();

        Assert.Contains("AppRequests", QueryText(alerts, (string?)Rule(alerts, "handler-failures")["query"] ?? string.Empty), StringComparison.Ordinal);
        Assert.Contains("Success == false", QueryText(alerts, (string?)Rule(alerts, "handler-failures")["query"] ?? string.Empty), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeadLetteredEvents_MetricAlert_WatchesTheEventsQueue()
    {
        var alerts = await AlertsTemplateAsync();
        var alert = ArmTemplate.Resource(alerts, "deadLetteredEvents");
        var criterion = alert["properties"]?["criteria"]?["allOf"]?[0];

        Assert.Equal("Microsoft.Insights/metricAlerts", (string?)alert["type"]);
        Assert.Equal("DeadletteredMessages", (string?)criterion?["metricName"]);
        Assert.Equal("EntityName", (string?)criterion?["dimensions"]?[0]?["name"]);
        Assert.Equal("[parameters('eventsQueueName')]", (string?)criterion?["dimensions"]?[0]?["values"]?[0]);
    }

    [Fact]
    public async Task ActionGroup_WithoutAnEmail_IsNotCreated()
    {
        var template = await BicepCli.CompiledMainAsync();
        var alerts = await AlertsTemplateAsync();

        Assert.Equal("[variables('hasEmail')]", (string?)ArmTemplate.Resource(alerts, "actionGroup")["condition"]);
        Assert.Equal(string.Empty, (string?)ArmTemplate.DefaultOf(template, "alertEmail"));
    }

    private static async Task<JsonObject> AlertsTemplateAsync() => ArmTemplate.ModuleTemplate(await BicepCli.CompiledMainAsync(), "alerts");

    private static JsonObject Rule(JsonObject alerts, string name) =>
        alerts["variables"]?["rules"]?.AsArray().Select(r => r!.AsObject()).SingleOrDefault(r => (string?)r["name"] == name)
            ?? throw new InvalidOperationException($"no alert rule '{name}'");

    // A rule's query is either variables('xQuery') or an expression over it: resolve the variables it names.
    private static string QueryText(JsonObject alerts, string query)
    {
        var variables = alerts["variables"]!.AsObject();
        return variables.Where(v => query.Contains($"variables('{v.Key}')", StringComparison.Ordinal))
            .Aggregate(query, (text, v) => text + "\n" + (string?)v.Value);
    }
}
