using System.Text.Json.Serialization;

namespace MarginFunctions.Invocations;

/// <summary>The custom handler's answer to a non-HTTP invocation: <c>{"Outputs":{},"Logs":[...],"ReturnValue":null}</c>.</summary>
/// <remarks>
/// The host logs each entry of <c>Logs</c> in the invocation's context. It reads the body only after a 2xx status; any
/// other status fails the invocation, which is what drives its retries, poison queue and dead-lettering. The app does
/// its own I/O, so <c>Outputs</c> is always empty and <c>ReturnValue</c> null (ARCHITECTURE.md "Hosting").
/// </remarks>
/// <param name="Logs">Lines for the host's log.</param>
internal sealed record InvocationResult(IReadOnlyList<string> Logs)
{
    /// <summary>No output bindings.</summary>
    public IReadOnlyDictionary<string, string> Outputs { get; } = new Dictionary<string, string>();

    /// <summary>No return value.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? ReturnValue { get; }

    /// <summary>A success (200) with these lines.</summary>
    public static IResult Success(params string[] logs) => Results.Json(new InvocationResult(logs), InvocationJsonContext.Default.InvocationResult, statusCode: StatusCodes.Status200OK);

    /// <summary>A failure (500) with these lines: the host retries the trigger.</summary>
    public static IResult Failure(params string[] logs) => Results.Json(new InvocationResult(logs), InvocationJsonContext.Default.InvocationResult, statusCode: StatusCodes.Status500InternalServerError);
}

/// <summary>The invocation answer's serializer (property names as the host expects them: <c>Outputs</c>, <c>Logs</c>, <c>ReturnValue</c>).</summary>
[JsonSerializable(typeof(InvocationResult))]
internal sealed partial class InvocationJsonContext : JsonSerializerContext;
