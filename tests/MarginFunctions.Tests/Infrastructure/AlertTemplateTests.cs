using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Margin.Infrastructure.Queues;
using MarginFunctions.Hosting;
using Microsoft.Extensions.Logging;

namespace MarginFunctions.Tests.Infrastructure;

/// <summary>The alert rules of infra/modules/alerts.bicep as they appear in the ARM JSON of infra/main.bicep.</summary>
public sealed partial class AlertTemplateTests
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
    public async Task HandlerFailures_Query_CountsTheHostsRowsOnlyAndLeavesHealthOut()
    {
        // AppRequests has the host's row per invocation and the handler's own request and consumer spans
        // (AppRoleName "MarginFunctions"); counting every failed row counted one failure two or three times.
        var alerts = await AlertsTemplateAsync();
        var query = QueryText(alerts, (string?)Rule(alerts, "handler-failures")["query"] ?? string.Empty);

        Assert.Contains("AppRequests\n| where AppRoleName != \"MarginFunctions\"\n| where Success == false and not(ResultCode startswith \"4\")", query, StringComparison.Ordinal);
        Assert.Contains("| where Name != \"Health\" and OperationName != \"Health\" and not(Url contains \"/api/health\")", query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandlerFailures_Query_TakesTheLargerOfTheHostsAndTheHandlersCount()
    {
        // Both count the same invocations (the metric a subset): their sum would count a failure twice.
        var alerts = await AlertsTemplateAsync();
        var query = QueryText(alerts, (string?)Rule(alerts, "handler-failures")["query"] ?? string.Empty);

        Assert.Contains("| where Name == \"margin.handler.failures\"", query, StringComparison.Ordinal);
        Assert.EndsWith("| summarize Failures = max(Failures)", query.TrimEnd(), StringComparison.Ordinal);
        Assert.DoesNotContain("sum(Failures)", query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PoisonMessages_Query_CountsTheHostsMovesOnlyBeyondTheHandlersLastAttempts()
    {
        // margin.poison already counts the last attempt that the host then moves: the host's line adds only the moves
        // the handler did not count (a last attempt it never answered), so a poisoned work item is counted once.
        var alerts = await AlertsTemplateAsync();
        var query = QueryText(alerts, (string?)Rule(alerts, "poison-messages")["query"] ?? string.Empty);

        Assert.Contains("| summarize Poisoned = sum(Sum) by Queue = tostring(Properties[\"margin.queue\"])", query, StringComparison.Ordinal);
        Assert.Contains("| union (print Queue = \"margin-shards\", Poisoned = todouble(max_of(0, hostMoves - handlerLastAttempts)))", query, StringComparison.Ordinal);
        Assert.Single(LineFilters(query), f => f.Role == "==");
        Assert.Single(LineFilters(query), f => f.Role == "!=");
    }

    [Fact]
    public async Task PoisonMessages_LineFilters_MatchOnlyTheirOwnLine()
    {
        // AppTraces.Message holds the formatted text. The handler's exported logs have AppRoleName "MarginFunctions";
        // the host's lines, and the host's copy of the handler's console output, have the function app's name.
        var alerts = await AlertsTemplateAsync();
        var filters = LineFilters(QueryText(alerts, (string?)Rule(alerts, "poison-messages")["query"] ?? string.Empty));
        var handlerFilter = filters.Single(f => f.Role == "==");
        var hostFilter = filters.Single(f => f.Role == "!=");
        var lastAttempt = Formatted(logger => Log.MessageExhausted(logger, "ProcessShard", "m-1", 5, 5, StorageWorkQueue.PoisonQueueName));
        var notAWorkItem = Formatted(logger => Log.MessagePoisoned(logger, "ProcessShard", "m-2", 1, "work item", StorageWorkQueue.PoisonQueueName, "not JSON"));
        var refused = Formatted(logger => Log.EventRefused(logger, "e-1", 10, "InvalidEvent", "filledLegs is negative"));
        const string App = "func-abc123";

        Assert.True(handlerFilter.Matches(Handler, lastAttempt));
        Assert.False(hostFilter.Matches(Handler, lastAttempt));
        Assert.True(hostFilter.Matches(App, HostPoisonLine));
        Assert.False(hostFilter.Matches(App, HostPoisonLine.Replace("margin-shards-poison", StorageStressQueue.PoisonQueueName, StringComparison.Ordinal)));
        Assert.False(handlerFilter.Matches(App, HostPoisonLine));

        // The host's copy of the handler's console line, as it is and indented as the console logger writes it.
        Assert.All([lastAttempt, "      " + lastAttempt], copy =>
        {
            Assert.False(handlerFilter.Matches(App, copy));
            Assert.False(hostFilter.Matches(App, copy));
        });

        // The texts docs/runbook.md quotes, which one log method now writes for both queue triggers.
        Assert.Equal("ProcessShard: queue message m-1 failed its last attempt (5 of 5); the host moves it to margin-shards-poison", lastAttempt);
        Assert.Equal("ProcessShard: queue message m-2 (attempt 1) is not a work item and was moved to margin-shards-poison: not JSON", notAWorkItem);

        // Counted by margin.poison alone (a body the handler copied itself; the last delivery of an event; a stress run's
        // last attempt, whose host move names margin-stress-poison, which the host filter does not count).
        var stressLastAttempt = Formatted(logger => Log.MessageExhausted(logger, "RunStress", "m-3", 5, 5, StorageStressQueue.PoisonQueueName));
        Assert.All([notAWorkItem, refused, stressLastAttempt], line =>
        {
            Assert.False(handlerFilter.Matches(Handler, line));
            Assert.False(hostFilter.Matches(App, line));
        });
    }

    [Fact]
    public async Task Descriptions_NoRule_SaysTheFunctionAppDeadLettersAnEvent()
    {
        // Under the host the handler answers 500 for a refused event; Service Bus dead-letters it after maxDeliveryCount.
        var text = ArmTemplate.Text(await AlertsTemplateAsync());

        Assert.DoesNotContain("dead-lettered by the app", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("failed its last delivery (Service Bus dead-letters it)", text, StringComparison.Ordinal);
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

    // The handler's service name, which Azure Monitor gives its telemetry as the cloud role (AppRoleName).
    private const string Handler = "MarginFunctions";

    // The Functions host's line when it moves a work item to the poison queue after maxDequeueCount (the Storage queues
    // extension's QueueProcessor, with host.json's maxDequeueCount 5).
    private const string HostPoisonLine = "Message has reached MaxDequeueCount of 5. Moving message to queue 'margin-shards-poison'.";

    // "where AppRoleName ==|!= "MarginFunctions" | where Message startswith "..." and Message has "..."" clauses.
    private static List<LineFilter> LineFilters(string query) =>
        LineFilterClause().Matches(query)
            .Select(m => new LineFilter(m.Groups["role"].Value, m.Groups["start"].Value, m.Groups["has"].Value))
            .ToList();

    private static string Formatted(Action<ILogger> log)
    {
        var logger = new CapturingLogger();
        log(logger);
        return Assert.Single(logger.Messages);
    }

    [GeneratedRegex("""where AppRoleName (?<role>==|!=) "MarginFunctions"\s*\|\s*where Message startswith "(?<start>[^"]+)" and Message has "(?<has>[^"]+)""")]
    private static partial Regex LineFilterClause();

    // One AppTraces filter of a query, evaluated as Kusto would: startswith is a case-insensitive prefix; has finds the
    // text as whole terms (case-insensitive, no letter or digit on either side).
    private sealed record LineFilter(string Role, string StartsWith, string Has)
    {
        public bool Matches(string appRoleName, string message) =>
            (Role == "==") == (appRoleName == Handler)
            && message.StartsWith(StartsWith, StringComparison.OrdinalIgnoreCase)
            && HasTerm(message, Has);

        private static bool HasTerm(string text, string term)
        {
            for (var at = text.IndexOf(term, StringComparison.OrdinalIgnoreCase); at >= 0; at = text.IndexOf(term, at + 1, StringComparison.OrdinalIgnoreCase))
            {
                var end = at + term.Length;
                if ((at == 0 || !char.IsLetterOrDigit(text[at - 1])) && (end == text.Length || !char.IsLetterOrDigit(text[end])))
                {
                    return true;
                }
            }

            return false;
        }
    }

    // Keeps each message as the formatter renders it: the text Azure Monitor puts in AppTraces.Message.
    private sealed class CapturingLogger : ILogger
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add(formatter(state, exception));
    }

    // A rule's query is either variables('xQuery') or an expression over it: resolve the variables it names.
    private static string QueryText(JsonObject alerts, string query)
    {
        var variables = alerts["variables"]!.AsObject();
        return variables.Where(v => query.Contains($"variables('{v.Key}')", StringComparison.Ordinal))
            .Aggregate(query, (text, v) => text + "\n" + (string?)v.Value);
    }
}
