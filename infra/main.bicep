// MarginFunctions on Azure: the function app (Flex Consumption, custom handler), its storage, Service Bus, monitoring
// and the role assignments of its one user-assigned identity. Resources are declared here directly (no registry
// modules: CI cannot reach a registry). Validated by `bicep build` and `bicep lint` in the test suite
// (tests/MarginFunctions.Tests/Infrastructure); never deployed from this repository. docs/deploy.md says how to
// deploy it and docs/runbook.md what the alerts mean.
targetScope = 'resourceGroup'

metadata description = 'MarginFunctions: Azure Functions custom handler on Flex Consumption with Storage, Service Bus and Azure Monitor'

// ---------------------------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------------------------

@minLength(1)
@maxLength(64)
@description('Name of the azd environment (dev, prod, ...). Seeds the resource names and is the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Azure region of every resource. It must offer Flex Consumption (az functionapp list-flexconsumption-locations).')
param location string = resourceGroup().location

@minLength(1)
@description('Flex Consumption runtime name (functionAppConfig.runtime.name). "custom" runs the handler as a custom handler. Fallback where a region\'s runtime catalog lacks it: "dotnet-isolated" with version "8.0", which still starts host.json\'s customHandler executable (docs/deploy.md).')
param functionRuntimeName string = 'custom'

@minLength(1)
@description('Flex Consumption runtime version, exactly as the region\'s runtime catalog spells it (custom: "1.0"). ARM accepts a value the catalog lacks and the app then never starts.')
param functionRuntimeVersion string = '1.0'

@minValue(40)
@maxValue(1000)
@description('Most instances Flex Consumption may scale the app out to (40 to 1000).')
param maximumInstanceCount int = 100

@allowed([
  512
  2048
  4096
])
@description('Memory of each instance in MB: 512 (0.25 core), 2048 (1 core) or 4096 (2 cores).')
param instanceMemoryMB int = 2048

@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_RAGRS'
  'Standard_GZRS'
  'Standard_RAGZRS'
])
@description('Redundancy of the storage account that holds the tables, the work queue and the deployment package.')
param storageSku string = 'Standard_LRS'

@description('NCRONTAB schedule (six fields, UTC) of RefreshPrices: app setting PriceRefreshSchedule.')
param priceRefreshSchedule string = '0 * * * * *'

@description('NCRONTAB schedule (six fields, UTC) of StartSweep: app setting SweepSchedule. Keep sweepIntervalSeconds equal to its interval.')
param sweepSchedule string = '0 */5 * * * *'

@description('NCRONTAB schedule (six fields, UTC) of RelayOutbox: app setting RelaySchedule.')
param relaySchedule string = '30 */2 * * * *'

@minValue(1)
@maxValue(10000)
@description('Partition count N of the accounts and margin tables (MARGIN_Storage__Partitions). Fixed per deployment: changing it is a migration (margin accounts repartition).')
param storagePartitions int = 256

@description('Oracle price sources as flat app settings: each key is the part after MARGIN_Oracles__Sources__, e.g. {"0__Type": "pyth", "0__Feeds__BTC": "e62d..."}. Empty: no source is configured here (docs/deploy.md).')
param oracleSources oracleSettings = {}

@description('E-mail address the alert rules notify. Empty: the alerts fire in Azure Monitor without an action group.')
param alertEmail string = ''

@minValue(1)
@description('Stale prices alert: fires when the newest reported margin.price.age of an asset, plus the time since that report, exceeds this many seconds.')
param priceAgeThresholdSeconds int = 300

@minValue(0)
@description('Outbox backlog alert: fires when every margin.outbox.backlog reported in 15 minutes is above this many orders.')
param outboxBacklogThreshold int = 0

@minValue(1)
@description('Sweep overrun alert: the sweep interval in seconds (the interval of sweepSchedule); a sweep longer than this is an overrun.')
param sweepIntervalSeconds int = 300

@minValue(0)
@description('Handler failures alert: fires when more invocations than this failed in 15 minutes.')
param handlerFailureThreshold int = 5

@minValue(30)
@maxValue(730)
@description('Days the Log Analytics workspace keeps logs and metrics.')
param logRetentionDays int = 30

// Entra ID authentication has no separate on/off switch: it is on exactly when a client id is given. A switch beside
// the id allowed "on" with an empty id, which deployed audiences 'api://' and '' (a broken authentication that refuses
// every token). Bicep cannot relate two parameters at compile time, and fail() would only stop the deployment in Azure.
@description('Application (client) id of the Entra ID app registration that protects the HTTP API. Set: every HTTP request needs a Microsoft Entra ID token for it (App Service authentication, authsettingsV2; the host still checks function keys after it). Empty (the default): no Entra ID authentication.')
param entraClientId string = ''

@description('Entra ID tenant that issues the tokens of the HTTP API.')
param entraTenantId string = tenant().tenantId

@description('Object id of a person or group who operates the deployment with the margin CLI (azd passes the signed-in user). Empty: no operator role assignment.')
param operatorPrincipalId string = ''

@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
@description('Kind of principal operatorPrincipalId is.')
param operatorPrincipalType string = 'User'

// ---------------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------------

@description('App settings under MARGIN_Oracles__Sources__: setting name suffix to value.')
type oracleSettings = {
  @description('One setting: for example "0__Type" to "pyth".')
  *: string
}

// ---------------------------------------------------------------------------------------------------------------
// Names and fixed values
// ---------------------------------------------------------------------------------------------------------------

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var tags = {
  'azd-env-name': environmentName
}
var serviceName = 'margin'
var enableEntraAuth = !empty(entraClientId)
var deploymentContainerName = 'app-package'

// The tables and queues of docs/storage.md. The app runs with Storage:Prefix empty here: the account is its own.
var tableNames = [
  'accounts'
  'margin'
  'marginhistory'
  'prices'
  'pricehistory'
  'riskparameters'
  'sweeps'
  'stressruns'
]
// The function app's queues, each with its poison queue: the work queue (ProcessShard) and the book stress queue
// (RunStress). The app identity's queue role is assigned on each of them, not on the account.
var appQueueNames = [
  'margin-shards'
  'margin-shards-poison'
  'margin-stress'
  'margin-stress-poison'
]

// Built-in role definitions (docs/notes/functions-custom-handler.md section 4).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// ---------------------------------------------------------------------------------------------------------------
// Identity
// ---------------------------------------------------------------------------------------------------------------

// One user-assigned identity for everything the app does: host storage, the deployment package, tables, queues,
// Service Bus, and Application Insights. No keys or connection strings exist anywhere.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: 'id-${resourceToken}'
  location: location
  tags: tags
}

// ---------------------------------------------------------------------------------------------------------------
// Storage: host storage, the deployment package, the app's tables and its queues
// ---------------------------------------------------------------------------------------------------------------

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: 'st${resourceToken}'
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: storageSku
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2024-01-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2024-01-01' = [
  for tableName in tableNames: {
    parent: tableService
    name: tableName
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2024-01-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2024-01-01' = [
  for queueName in appQueueNames: {
    parent: queueService
    name: queueName
  }
]

// ---------------------------------------------------------------------------------------------------------------
// Service Bus: the two queues of docs/servicebus.md, with exactly its settings
// ---------------------------------------------------------------------------------------------------------------

// Standard: sessions and duplicate detection need Standard or Premium. Local (SAS) authentication is off, so the
// namespace has no usable keys: every client authenticates with Entra ID.
resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: 'sb-${resourceToken}'
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource ordersQueue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: serviceBus
  name: 'liquidation-orders'
  properties: {
    requiresSession: true
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT1H'
    maxDeliveryCount: 10
    deadLetteringOnMessageExpiration: true
    defaultMessageTimeToLive: 'P1D'
    lockDuration: 'PT1M'
    maxSizeInMegabytes: 5120
    enablePartitioning: false
    enableBatchedOperations: true
  }
}

resource eventsQueue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: serviceBus
  name: 'liquidation-events'
  properties: {
    requiresSession: false
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT1H'
    maxDeliveryCount: 10
    deadLetteringOnMessageExpiration: true
    defaultMessageTimeToLive: 'P14D'
    lockDuration: 'PT1M'
    maxSizeInMegabytes: 1024
    enablePartitioning: false
    enableBatchedOperations: true
  }
}

// The namespace's host name (NS.servicebus.windows.net) from its endpoint https://NS.servicebus.windows.net:443/.
var serviceBusHost = replace(replace(serviceBus.properties.serviceBusEndpoint, 'https://', ''), ':443/', '')

// ---------------------------------------------------------------------------------------------------------------
// Monitoring: Log Analytics and workspace-based Application Insights (Entra ID ingestion only)
// ---------------------------------------------------------------------------------------------------------------

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${resourceToken}'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: logRetentionDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${resourceToken}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
    IngestionMode: 'LogAnalytics'
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The function app: Flex Consumption, custom handler, deployment package in blob storage
// ---------------------------------------------------------------------------------------------------------------

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: 'plan-${resourceToken}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

// Identity-based connections (AzureWebJobsStorage__*, ServiceBusConnection__*): the host's own storage and the
// triggers. The handler and the margin CLI read the same keys and AZURE_CLIENT_ID (docs/deploy.md has the table).
// No FUNCTIONS_WORKER_RUNTIME nor FUNCTIONS_EXTENSION_VERSION: Flex Consumption takes the runtime from
// functionAppConfig and rejects those settings.
var baseAppSettings = [
  { name: 'AzureWebJobsStorage__accountName', value: storage.name }
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }
  { name: 'ServiceBusConnection__fullyQualifiedNamespace', value: serviceBusHost }
  { name: 'ServiceBusConnection__credential', value: 'managedidentity' }
  { name: 'ServiceBusConnection__clientId', value: identity.properties.clientId }
  { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsights.properties.ConnectionString }
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identity.properties.clientId};Authorization=AAD' }
  { name: 'PriceRefreshSchedule', value: priceRefreshSchedule }
  { name: 'SweepSchedule', value: sweepSchedule }
  { name: 'RelaySchedule', value: relaySchedule }
  { name: 'MARGIN_Storage__Partitions', value: string(storagePartitions) }
  { name: 'MARGIN_ServiceBus__FullyQualifiedNamespace', value: serviceBusHost }
  { name: 'MARGIN_ServiceBus__ManagedIdentityClientId', value: identity.properties.clientId }
]

// Oracle sources are an array of objects of different shapes in the app's configuration (docs/oracles.md), which
// Bicep cannot flatten generically into app settings. The parameter is therefore already flat: one entry per
// setting below MARGIN_Oracles__Sources__, turned into app settings here.
var oracleAppSettings = [
  for setting in items(oracleSources): {
    name: 'MARGIN_Oracles__Sources__${setting.key}'
    value: setting.value
  }
]

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: 'func-${resourceToken}'
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: concat(baseAppSettings, oracleAppSettings)
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer.name}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: functionRuntimeName
        version: functionRuntimeVersion
      }
    }
  }
  dependsOn: [
    // The host needs its storage roles and the queues before its first start.
    storageBlobDataOwner
    storageQueueDataContributor
    storageTableDataContributor
    queues
    tables
  ]
}

// Deployments authenticate with Entra ID (azd, az CLI); basic (user name and password) publishing is off.
resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

// Optional Entra ID authentication of the HTTP API (App Service authentication), on when entraClientId is set (see the
// parameter: no separate switch, so it cannot be on without an id). Every request without a valid
// token gets 401 (no login redirect: this is an API), and no path is excluded, /api/health included. Flex
// Consumption's preview did not enforce it; the current Flex documentation no longer lists that limitation
// (docs/deploy.md cites both). Check after deploying that an anonymous call gets 401.
resource authSettings 'Microsoft.Web/sites/config@2025-03-01' = if (enableEntraAuth) {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
    }
    httpSettings: {
      requireHttps: true
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: entraClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${entraTenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            'api://${entraClientId}'
            entraClientId
          ]
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Role assignments of the app's identity: data roles only, each on the narrowest scope that works
// ---------------------------------------------------------------------------------------------------------------

// Blob Data Owner on the account: the Functions host keeps its keys, timer schedule monitors and singleton leases
// in containers it creates itself (azure-webjobs-*), and Flex reads the deployment package from app-package with
// this identity. Owner (not Contributor) is what the host storage documentation asks for.
resource storageBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
  }
}

// Queue Data Contributor on the app's four queues only (margin-shards, margin-stress and their poison queues), not on
// the account. Who uses which queue:
// - the host's queue triggers get, update and delete margin-shards and margin-stress messages, read their length
//   (scaling), and after maxDequeueCount create the -poison queue if missing (best effort; it exists here) and add the
//   message there;
// - the handler: StartSweep adds work items to margin-shards; POST api/stress adds runs to margin-stress; ProcessShard
//   and RunStress copy a body that is not a work item or a stress message to their -poison queue; /api/health reads
//   the margin-shards queues' properties. With a managed identity the handler creates no queue or table (this template
//   does; it creates them only with a connection string, locally).
// The host itself needs no other queue with identity-based AzureWebJobsStorage: its keys, timer schedules and
// singleton leases are blobs (Blob Data Owner above); the host's own queues come with blob triggers (receipts, the
// shared queue) and Durable Functions (task hubs), which this app does not have. Reader plus Message Processor would
// not cover adding to the poison queue. Not deployed yet (docs/deploy.md says what to do on a 403 from a queue). The
// operator's queue role below stays on the account (the margin CLI may use any queue).
resource storageQueueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (queueName, i) in appQueueNames: {
    name: guid(queues[i].id, identity.id, roles.storageQueueDataContributor)
    scope: queues[i]
    properties: {
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    }
  }
]

// Table Data Contributor on the account: the app reads and writes all eight tables of docs/storage.md (this template
// creates them); a per-table assignment would need eight assignments for the same effect.
resource storageTableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageTableDataContributor)
  scope: storage
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
  }
}

// Service Bus Data Sender on the liquidation-orders queue only: the app publishes orders there and nowhere else.
// Service Bus honours role assignments on a single queue, and the app's client asks for a token per queue
// (audience amqp://NS/liquidation-orders, docs/servicebus.md), so the namespace scope is not needed.
resource serviceBusSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(ordersQueue.id, identity.id, roles.serviceBusDataSender)
  scope: ordersQueue
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataSender)
  }
}

// Service Bus Data Receiver on the liquidation-events queue only: RecordLiquidationEvent (the trigger) and the
// handler receive executor reports there; the app never receives from liquidation-orders.
resource serviceBusReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(eventsQueue.id, identity.id, roles.serviceBusDataReceiver)
  scope: eventsQueue
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataReceiver)
  }
}

// Monitoring Metrics Publisher on the Application Insights component: ingestion with Entra ID (local auth is off).
resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Optional: the operator who runs the margin CLI against this deployment (docs/runbook.md). The same data roles as
// the app on tables and queues, Sender on orders (margin orders relay) and Receiver on events (margin orders events).
// ---------------------------------------------------------------------------------------------------------------

var hasOperator = !empty(operatorPrincipalId)

resource operatorTables 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (hasOperator) {
  name: guid(storage.id, operatorPrincipalId, roles.storageTableDataContributor)
  scope: storage
  properties: {
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
  }
}

resource operatorQueues 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (hasOperator) {
  name: guid(storage.id, operatorPrincipalId, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
  }
}

resource operatorSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (hasOperator) {
  name: guid(ordersQueue.id, operatorPrincipalId, roles.serviceBusDataSender)
  scope: ordersQueue
  properties: {
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataSender)
  }
}

resource operatorReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (hasOperator) {
  name: guid(eventsQueue.id, operatorPrincipalId, roles.serviceBusDataReceiver)
  scope: eventsQueue
  properties: {
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataReceiver)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Alerts (docs/runbook.md has one section per rule)
// ---------------------------------------------------------------------------------------------------------------

module alerts 'modules/alerts.bicep' = {
  params: {
    location: location
    tags: tags
    resourceToken: resourceToken
    workspaceName: workspace.name
    serviceBusName: serviceBus.name
    eventsQueueName: eventsQueue.name
    alertEmail: alertEmail
    priceAgeThresholdSeconds: priceAgeThresholdSeconds
    outboxBacklogThreshold: outboxBacklogThreshold
    sweepIntervalSeconds: sweepIntervalSeconds
    handlerFailureThreshold: handlerFailureThreshold
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Outputs (azd writes them to .azure/ENV/.env)
// ---------------------------------------------------------------------------------------------------------------

@description('Name of the function app.')
output AZURE_FUNCTION_APP_NAME string = site.name

@description('Default host name of the function app; the HTTP API is under https://HOST/api/.')
output FUNCTION_APP_DEFAULT_HOSTNAME string = site.properties.defaultHostName

@description('Name of the storage account (tables, queues, deployment package).')
output AZURE_STORAGE_ACCOUNT_NAME string = storage.name

@description('Table endpoint of the storage account, for the margin CLI (MARGIN_Storage__TableEndpoint).')
output AZURE_STORAGE_TABLE_ENDPOINT string = storage.properties.primaryEndpoints.table

@description('Queue endpoint of the storage account, for the margin CLI (MARGIN_Storage__QueueEndpoint).')
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.properties.primaryEndpoints.queue

@description('Fully qualified name of the Service Bus namespace.')
output SERVICE_BUS_FULLY_QUALIFIED_NAMESPACE string = serviceBusHost

@description('Client id of the app\'s user-assigned identity.')
output AZURE_CLIENT_ID string = identity.properties.clientId

@description('Application Insights connection string. Not a secret here: local authentication is off, so ingestion also needs an Entra ID token of an identity with Monitoring Metrics Publisher.')
output APPLICATIONINSIGHTS_CONNECTION_STRING string = appInsights.properties.ConnectionString

@description('Name of the Log Analytics workspace that holds AppRequests, AppTraces and AppMetrics.')
output LOG_ANALYTICS_WORKSPACE_NAME string = workspace.name

@description('Names of the alert rules.')
output ALERT_RULE_NAMES string[] = alerts.outputs.ruleNames
