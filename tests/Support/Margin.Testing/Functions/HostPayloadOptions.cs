namespace Margin.Testing.Functions;

/// <summary>Which of the observed forms of the host's payload <see cref="HostPayloads"/> writes.</summary>
/// <remarks>
/// The defaults are what the host really sends (docs/notes/functions-custom-handler.md §1.3): a string trigger value and
/// string metadata go through <c>JsonConvert.SerializeObject</c> once more (<c>ScriptInvocationContextExtensions
/// .GetHttpScriptInvocationContextValue</c>), so the body arrives JSON-encoded twice, ids carry embedded quotes and
/// numbers arrive as strings (MicrosoftDocs/azure-docs issue #103508). <see cref="Documented"/> is the form of the
/// custom handler docs' example: the body encoded once, numbers as numbers, ids without quotes.
/// </remarks>
public sealed record HostPayloadOptions
{
    /// <summary>What the host sends.</summary>
    public static HostPayloadOptions Host { get; } = new();

    /// <summary>The docs' example form (functions-custom-handlers.md#request-payload).</summary>
    public static HostPayloadOptions Documented { get; } = new()
    {
        BodyEncodedTwice = false,
        NumbersAsStrings = false,
        QuotedIds = false,
    };

    /// <summary>Whether the trigger value (queue body, Service Bus body) is JSON-encoded once more: <c>"\"{\\\"a\\\":1}\""</c> rather than <c>"{\"a\":1}"</c>.</summary>
    public bool BodyEncodedTwice { get; init; } = true;

    /// <summary>Whether DequeueCount, DeliveryCount and SequenceNumber are strings (<c>"1"</c>) rather than numbers.</summary>
    public bool NumbersAsStrings { get; init; } = true;

    /// <summary>Whether Id, PopReceipt, MessageId, LockToken and ContentType carry embedded quotes (<c>"\"abc\""</c>).</summary>
    public bool QuotedIds { get; init; } = true;

    /// <summary>Whether the times carry embedded quotes too; the captured payloads in the notes show them without.</summary>
    public bool QuotedTimes { get; init; }
}
