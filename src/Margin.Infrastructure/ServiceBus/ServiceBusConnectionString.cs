namespace Margin.Infrastructure.ServiceBus;

/// <summary>A parsed Service Bus connection string: <c>Endpoint=sb://HOST[/];SharedAccessKeyName=NAME;SharedAccessKey=KEY[;EntityPath=QUEUE][;UseDevelopmentEmulator=true]</c>, or with <c>SharedAccessSignature=SharedAccessSignature sr=...</c> instead of the key.</summary>
/// <param name="Host">The namespace host (e.g. <c>NS.servicebus.windows.net</c>, or <c>localhost</c> for the emulator).</param>
/// <param name="Port">A port given in the endpoint, or null.</param>
/// <param name="KeyName">The shared access policy name, or null with a ready signature.</param>
/// <param name="Key">The shared access key, or null with a ready signature.</param>
/// <param name="SharedAccessSignature">A ready SAS token, or null.</param>
/// <param name="EntityPath">The queue the string is scoped to, or null.</param>
/// <param name="UseDevelopmentEmulator">Whether it names the Service Bus emulator (plain AMQP on 5672).</param>
public sealed record ServiceBusConnectionString(string Host, int? Port, string? KeyName, string? Key, string? SharedAccessSignature, string? EntityPath, bool UseDevelopmentEmulator)
{
    /// <summary>Parses a connection string, or says what is wrong with it (never echoing the key).</summary>
    /// <param name="text">The connection string.</param>
    /// <param name="value">The parsed value.</param>
    /// <param name="problem">What is wrong, or null.</param>
    public static bool TryParse(string text, out ServiceBusConnectionString? value, out string? problem)
    {
        value = null;
        problem = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "it is empty";
            return false;
        }

        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var segment in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = segment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                problem = $"'{Redact(segment)}' is not KEY=VALUE";
                return false;
            }

            var key = segment[..eq].Trim();
            if (!parts.TryAdd(key, segment[(eq + 1)..].Trim()))
            {
                problem = $"{key} is given twice";
                return false;
            }
        }

        if (!parts.TryGetValue("Endpoint", out var endpoint) || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            problem = "Endpoint is missing or not an absolute address such as sb://NS.servicebus.windows.net/";
            return false;
        }

        if (!string.Equals(uri.Scheme, "sb", StringComparison.OrdinalIgnoreCase) && !string.Equals(uri.Scheme, "amqps", StringComparison.OrdinalIgnoreCase) && !string.Equals(uri.Scheme, "amqp", StringComparison.OrdinalIgnoreCase))
        {
            problem = $"Endpoint scheme '{uri.Scheme}' is not sb, amqps or amqp";
            return false;
        }

        parts.TryGetValue("SharedAccessKeyName", out var keyName);
        parts.TryGetValue("SharedAccessKey", out var key2);
        parts.TryGetValue("SharedAccessSignature", out var signature);
        parts.TryGetValue("EntityPath", out var entity);
        var emulator = false;
        if (parts.TryGetValue("UseDevelopmentEmulator", out var emu) && !bool.TryParse(emu, out emulator))
        {
            problem = $"UseDevelopmentEmulator must be true or false (got '{emu}')";
            return false;
        }

        if (string.IsNullOrEmpty(signature) && (string.IsNullOrEmpty(keyName) || string.IsNullOrEmpty(key2)))
        {
            problem = "give SharedAccessKeyName and SharedAccessKey, or SharedAccessSignature";
            return false;
        }

        if (!string.IsNullOrEmpty(signature) && !string.IsNullOrEmpty(key2))
        {
            problem = "give SharedAccessKey or SharedAccessSignature, not both";
            return false;
        }

        value = new ServiceBusConnectionString(uri.Host, uri.IsDefaultPort ? null : uri.Port, NullIfEmpty(keyName), NullIfEmpty(key2), NullIfEmpty(signature), NullIfEmpty(entity), emulator);
        return true;
    }

    /// <summary>Parses a connection string.</summary>
    /// <param name="text">The connection string.</param>
    /// <exception cref="FormatException">It is not a valid Service Bus connection string; the message says why.</exception>
    public static ServiceBusConnectionString Parse(string text) =>
        TryParse(text, out var value, out var problem) ? value! : throw new FormatException($"Service Bus connection string: {problem}");

    /// <inheritdoc/>
    public override string ToString() => $"Endpoint=sb://{Host}/;SharedAccessKeyName={KeyName};SharedAccessKey=***;EntityPath={EntityPath};UseDevelopmentEmulator={UseDevelopmentEmulator}";

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static string Redact(string segment) => segment.Length > 12 ? segment[..12] + "..." : segment;
}
