// Azure Monitor alert rules of MarginFunctions: five log search alerts over the Log Analytics workspace that holds
// the app's telemetry (AppMetrics: the OpenTelemetry metrics of /tmp/common.md's names; AppRequests: one row per
// function invocation; AppTraces: the host's and the handler's logs), one metric alert on the events queue's
// dead-letter count, and an optional e-mail action group. docs/runbook.md has one section per rule.

@description('Azure region of the log search alert rules.')
param location string

@description('Tags of every resource.')
param tags resourceTags

@description('Suffix of the resource names, shared with main.bicep.')
param resourceToken string

@description('Name of the Log Analytics workspace the queries run in.')
param workspaceName string

@description('Name of the Service Bus namespace.')
param serviceBusName string

@description('Name of the queue that receives executor reports (its dead-letter queue is watched).')
param eventsQueueName string

@description('E-mail address to notify. Empty: no action group; the alerts still fire in Azure Monitor.')
param alertEmail string

@description('Stale prices: threshold in seconds.')
param priceAgeThresholdSeconds int

@description('Outbox backlog: threshold in orders.')
param outboxBacklogThreshold int

@description('Sweep overrun: the sweep interval in seconds.')
param sweepIntervalSeconds int

@description('Handler failures: threshold in failed invocations per 15 minutes.')
param handlerFailureThreshold int

@description('Resource tags: tag name to value.')
type resourceTags = {
  @description('One tag.')
  *: string
}

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: workspaceName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusName
}

var hasEmail = !empty(alertEmail)

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (hasEmail) {
  name: 'ag-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'margin'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var actionGroups = hasEmail ? [actionGroup.id] : []

// OpenTelemetry metrics land in AppMetrics with the metric name in Name, the aggregate in Sum, Min, Max and
// ItemCount, and the attributes (margin.asset, margin.queue, ...) in Properties. A gauge carries its value in Sum
// (ItemCount 1) and may leave Min and Max empty, hence coalesce(Max, Sum).

// Stale prices. The newest margin.price.age reported per asset, plus the seconds since that report: a
// RefreshPrices that stopped reporting ages into the alert too. No report at all in the window counts as stale.
var stalePricesQuery = '''
AppMetrics
| where Name == "margin.price.age"
| extend Asset = tostring(Properties["margin.asset"]), Reported = todouble(coalesce(Max, Sum))
| summarize arg_max(TimeGenerated, Reported) by Asset
| extend AgeSeconds = Reported + todouble(datetime_diff("second", now(), TimeGenerated))
| project Asset, AgeSeconds
| union (
    AppMetrics
    | where Name == "margin.price.age"
    | summarize Reports = count()
    | where Reports == 0
    | project Asset = "(no price report)", AgeSeconds = 1e9)
'''

// Poison messages, each counted once. margin.poison is the handler's own count (docs/observability.md): a body that
// is not a work item, which it copies to margin-shards-poison itself; the last attempt of a failing work item, which
// the host then moves there; the last delivery of a refused or failing liquidation event, which Service Bus then
// dead-letters (MaxDeliveryCountExceeded). The host also logs each move ("Message has reached MaxDequeueCount of 5.
// Moving message to queue 'margin-shards-poison'.") and the handler logs each last attempt ("ProcessShard: queue
// message <id> failed its last attempt (5 of 5); the host moves it to margin-shards-poison"): both lines name
// margin-shards-poison, and both mean the same message, so neither is counted on its own. The host's lines are
// counted only where they outnumber the handler's: those are last attempts the handler did not count (it crashed or
// timed out, or failed before the message was a work item: no Data.item, a body too long to copy, storage failing).
// The lines are told apart by how they start (the handler exports formatted messages, so AppTraces.Message reads as
// the console does) and by AppRoleName: the handler's exported logs have "MarginFunctions", its service name; the
// host's lines, including the host's copy of the handler's console output (warnings and errors), have the app's name.
var poisonQuery = '''
let handlerLastAttempts = toscalar(AppTraces
    | where AppRoleName == "MarginFunctions"
    | where Message startswith "ProcessShard: queue message" and Message has "failed its last attempt"
    | count);
let hostMoves = toscalar(AppTraces
    | where AppRoleName != "MarginFunctions"
    | where Message startswith "Message has reached MaxDequeueCount" and Message has "margin-shards-poison"
    | count);
AppMetrics
| where Name == "margin.poison"
| summarize Poisoned = sum(Sum) by Queue = tostring(Properties["margin.queue"])
| union (print Queue = "margin-shards", Poisoned = todouble(max_of(0, hostMoves - handlerLastAttempts)))
| summarize Poisoned = sum(Poisoned) by Queue
'''

// Outbox backlog. The smallest backlog RelayOutbox reported in the window: above the threshold means the outbox
// never drained below it for the whole window (Service Bus unreachable or refusing, or a kill switch holding orders).
var outboxBacklogQuery = '''
AppMetrics
| where Name == "margin.outbox.backlog"
| summarize LowestBacklog = min(todouble(coalesce(Min, Sum))), Reports = count()
| where Reports > 0
| project LowestBacklog
'''

// Sweep overrun. StartSweep's own overrun count (the previous sweep was unfinished past its deadline) plus one if a
// sweep took longer than the sweep interval.
var sweepOverrunQuery = replace('''
AppMetrics
| where Name in ("margin.sweep.overruns", "margin.sweep.duration")
| summarize Overruns = sumif(Sum, Name == "margin.sweep.overruns"),
            LongestSweepSeconds = maxif(todouble(coalesce(Max, Sum / ItemCount)), Name == "margin.sweep.duration")
| extend Breaches = coalesce(Overruns, 0.0) + iff(coalesce(LongestSweepSeconds, 0.0) > SWEEP_INTERVAL_SECONDS, 1.0, 0.0)
| project Breaches, Overruns, LongestSweepSeconds
''', 'SWEEP_INTERVAL_SECONDS', string(sweepIntervalSeconds))

// Handler failures, each failed invocation counted once. AppRequests holds more than one row per invocation: the
// host's (AppRoleName = the function app's name, Name = the function) and the handler's own server and consumer
// spans (AppRoleName "MarginFunctions", its service name: the ASP.NET Core request span "POST /ProcessShard", the use
// case's ProcessShard span), all failed when the invocation fails. Only the host's rows are counted: one per
// invocation, and they include invocations the handler never answered (not started, crashed, timed out), which the
// handler cannot count itself. Health is left out: its 503 reports a dependency or a poisoned work item (it stays 503
// until someone clears margin-shards-poison), which the other alerts cover. HTTP 4xx answers are the caller's mistake.
// margin.handler.failures (the handler's 500 answers to the timer, queue and Service Bus functions) counts a subset of
// the same invocations and is never sampled: it is the floor if the host's request telemetry is sampled, so the
// larger of the two counts is taken, never their sum.
var handlerFailuresQuery = '''
AppRequests
| where AppRoleName != "MarginFunctions"
| where Success == false and not(ResultCode startswith "4")
| where Name != "Health" and OperationName != "Health" and not(Url contains "/api/health")
| summarize Failures = todouble(count())
| union (
    AppMetrics
    | where Name == "margin.handler.failures"
    | summarize Failures = sum(Sum))
| summarize Failures = max(Failures)
'''


var rules = [
  {
    name: 'stale-prices'
    displayName: 'MarginFunctions: stale prices'
    description: 'The newest price of an asset is older than ${priceAgeThresholdSeconds} s (margin.price.age plus the time since it was reported), or RefreshPrices reported nothing for 15 minutes. docs/runbook.md#stale-prices'
    severity: 1
    windowSize: 'PT15M'
    query: stalePricesQuery
    measure: 'AgeSeconds'
    aggregation: 'Maximum'
    threshold: priceAgeThresholdSeconds
    dimensions: [
      {
        name: 'Asset'
        operator: 'Include'
        values: ['*']
      }
    ]
  }
  {
    name: 'poison-messages'
    displayName: 'MarginFunctions: poison messages'
    description: 'A work item went to margin-shards-poison, or a liquidation event failed its last delivery (Service Bus dead-letters it), in the last 15 minutes. docs/runbook.md#poison-messages'
    severity: 2
    windowSize: 'PT15M'
    query: poisonQuery
    measure: 'Poisoned'
    aggregation: 'Total'
    threshold: 0
    dimensions: [
      {
        name: 'Queue'
        operator: 'Include'
        values: ['*']
      }
    ]
  }
  {
    name: 'outbox-backlog'
    displayName: 'MarginFunctions: outbox backlog'
    description: 'RelayOutbox reported more than ${outboxBacklogThreshold} unsent orders throughout the last 15 minutes. docs/runbook.md#outbox-backlog'
    severity: 2
    windowSize: 'PT15M'
    query: outboxBacklogQuery
    measure: 'LowestBacklog'
    aggregation: 'Minimum'
    threshold: outboxBacklogThreshold
    dimensions: []
  }
  {
    name: 'sweep-overrun'
    displayName: 'MarginFunctions: sweep overrun'
    description: 'A sweep was still unfinished past its deadline when the next started (margin.sweep.overruns), or took longer than the ${sweepIntervalSeconds} s sweep interval (margin.sweep.duration). docs/runbook.md#sweep-overrun'
    severity: 2
    windowSize: 'PT15M'
    query: sweepOverrunQuery
    measure: 'Breaches'
    aggregation: 'Total'
    threshold: 0
    dimensions: []
  }
  {
    name: 'handler-failures'
    displayName: 'MarginFunctions: handler failures'
    description: 'More than ${handlerFailureThreshold} function invocations failed in the last 15 minutes (the host\'s AppRequests rows, Health left out; at least margin.handler.failures). docs/runbook.md#handler-failures'
    severity: 2
    windowSize: 'PT15M'
    query: handlerFailuresQuery
    measure: 'Failures'
    aggregation: 'Maximum'
    threshold: handlerFailureThreshold
    dimensions: []
  }
]

resource logAlerts 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in rules: {
    name: 'alert-${rule.name}-${resourceToken}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: true
      evaluationFrequency: 'PT5M'
      windowSize: rule.windowSize
      scopes: [
        workspace.id
      ]
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: rule.aggregation
            metricMeasureColumn: rule.measure
            dimensions: rule.dimensions
            operator: 'GreaterThan'
            threshold: rule.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: {
        actionGroups: actionGroups
      }
    }
  }
]

// Reports the app has not applied (docs/servicebus.md: any message there must be looked at). The function app never
// dead-letters an event itself: a custom handler cannot settle the message, so it answers 500 for a refused event
// (malformed, invalid, unknown order) as for a storage failure, the host abandons it, and Service Bus dead-letters it
// after maxDeliveryCount (10) with reason MaxDeliveryCountExceeded; the precise reason is in the handler's log line of
// each delivery. Only the margin CLI (margin orders events) dead-letters at once with MalformedEvent, InvalidEvent or
// UnknownOrder. The orders queue's dead-letter queue is not alerted on: expired orders land there by design
// (TTLExpiredException).
resource deadLetteredEvents 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-events-deadletter-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Messages are waiting in the dead-letter queue of ${eventsQueueName}. docs/runbook.md#dead-lettered-liquidation-events'
    severity: 2
    enabled: true
    scopes: [
      serviceBus.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'DeadletteredMessages'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          dimensions: [
            {
              name: 'EntityName'
              operator: 'Include'
              values: [
                eventsQueueName
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    actions: [
      for id in actionGroups: {
        actionGroupId: id
      }
    ]
  }
}

@description('Names of the log search alert rules and the metric alert rule.')
output ruleNames string[] = concat(map(rules, rule => 'alert-${rule.name}-${resourceToken}'), [deadLetteredEvents.name])
