namespace Margin.Testing.ServiceBus;

/// <summary>The rights a shared access rule confers (service-bus-amqp-protocol-guide, "Claims-based authorization":
/// a sender link needs Send, a receiver link Listen).</summary>
[Flags]
public enum AccessRights
{
    /// <summary>No rights.</summary>
    None = 0,

    /// <summary>Send to an entity.</summary>
    Send = 1,

    /// <summary>Receive from an entity.</summary>
    Listen = 2,

    /// <summary>Manage entities (implies Send and Listen in Service Bus).</summary>
    Manage = 4,

    /// <summary>Manage, Send and Listen, as RootManageSharedAccessKey.</summary>
    All = Send | Listen | Manage,
}
