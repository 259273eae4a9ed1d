using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Margin.Engine.Accounts;
using Margin.Engine.Domain;

namespace Margin.Infrastructure.Storage;

/// <summary>Maps an <see cref="Account"/> to and from its row in the <c>accounts</c> table (docs/storage.md).</summary>
/// <remarks>
/// Properties: <c>SchemaVersion</c> (int, 1), <c>Version</c> (long, the ledger's), <c>MarginMode</c> (<c>standard</c> or
/// <c>portfolio</c>), <c>Balances</c> (a JSON array of <c>[asset, quantity]</c>), <c>Positions</c> (a JSON array of
/// <c>[instrument, quantity, entryPrice]</c>). Every number is an invariant-culture decimal string: Table Storage has no
/// decimal type, and a double would lose digits. A property holds at most 64 KiB (32,768 UTF-16 characters); a larger
/// account is refused with its size, never truncated.
/// </remarks>
internal static class AccountEntityCodec
{
    public const int SchemaVersion = 1;

    /// <summary>The largest string property Table Storage accepts, in characters (64 KiB of UTF-16).</summary>
    public const int MaxPropertyChars = 32 * 1024;

    /// <summary>The characters a row key may not contain.</summary>
    private static readonly SearchValues<char> s_forbiddenKeyChars = SearchValues.Create("/\\#?");

    /// <summary>The longest account id: 128 characters, the limit of the Service Bus session id and partition key that carry it on every liquidation order (a row key alone would hold 512).</summary>
    public const int MaxAccountIdLength = 128;

    /// <summary>Checks that an account id can be a row key and a Service Bus session id: not empty, at most <see cref="MaxAccountIdLength"/> characters, no <c>/ \ # ?</c> nor control characters.</summary>
    public static string? KeyProblem(string accountId)
    {
        if (string.IsNullOrEmpty(accountId))
        {
            return "the account id is empty";
        }

        if (accountId.Length > MaxAccountIdLength)
        {
            return $"the account id has {accountId.Length} characters; at most {MaxAccountIdLength} (the Service Bus session id that carries its liquidation orders)";
        }

        if (accountId.AsSpan().IndexOfAny(s_forbiddenKeyChars) >= 0 || accountId.Any(char.IsControl))
        {
            return "the account id contains '/', '\\', '#', '?' or a control character, which a row key cannot hold";
        }

        return null;
    }

    public static TableEntity ToEntity(Account account, string partitionKey)
    {
        if (KeyProblem(account.Id) is { } problem)
        {
            throw new ArgumentException($"account {account.Id}: {problem}", nameof(account));
        }

        var balances = Json(w =>
        {
            foreach (var b in account.Balances)
            {
                w.WriteStartArray();
                w.WriteStringValue(b.Asset.Symbol);
                w.WriteStringValue(Text(b.Quantity));
                w.WriteEndArray();
            }
        });
        var positions = Json(w =>
        {
            foreach (var p in account.Positions)
            {
                w.WriteStartArray();
                w.WriteStringValue(p.InstrumentId);
                w.WriteStringValue(Text(p.Quantity));
                w.WriteStringValue(Text(p.EntryPrice));
                w.WriteEndArray();
            }
        });
        foreach (var (name, value) in new[] { ("Balances", balances), ("Positions", positions) })
        {
            if (value.Length > MaxPropertyChars)
            {
                throw new ArgumentException($"account {account.Id}: {name} takes {value.Length} characters encoded; a table property holds at most {MaxPropertyChars}", nameof(account));
            }
        }

        return new TableEntity(partitionKey, account.Id)
        {
            ["SchemaVersion"] = SchemaVersion,
            ["Version"] = account.Version,
            ["MarginMode"] = account.Mode == MarginMode.Portfolio ? "portfolio" : "standard",
            ["Balances"] = balances,
            ["Positions"] = positions,
        };
    }

    /// <summary>Reads a row back; a malformed row gives its id and the problem, never an exception.</summary>
    public static (Account? Account, string? Problem) FromEntity(TableEntity entity)
    {
        var id = entity.RowKey;
        try
        {
            var schema = entity.GetInt32("SchemaVersion");
            if (schema != SchemaVersion)
            {
                return (null, $"SchemaVersion is {(schema?.ToString(CultureInfo.InvariantCulture) ?? "missing")}; this version reads {SchemaVersion}");
            }

            var version = entity.GetInt64("Version") ?? throw new FormatException("Version is missing");
            var mode = entity.GetString("MarginMode") switch
            {
                "standard" => MarginMode.Standard,
                "portfolio" => MarginMode.Portfolio,
                var other => throw new FormatException($"MarginMode is '{other}'; expected 'standard' or 'portfolio'"),
            };
            var balances = Rows(entity.GetString("Balances"), "Balances", 2)
                .Select((r, i) => new Balance(Asset.TryCreate(r[0], out var a, out var error) ? a : throw new FormatException($"Balances[{i}]: {error}"), Number(r[1], $"Balances[{i}].quantity")));
            var positions = Rows(entity.GetString("Positions"), "Positions", 3)
                .Select((r, i) => new Position(r[0], Number(r[1], $"Positions[{i}].quantity"), Number(r[2], $"Positions[{i}].entryPrice")));
            return (Account.Create(id, version, mode, balances.ToList(), positions.ToList()), null);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidAccountException or InvalidOperationException)
        {
            return (null, ex.Message);
        }
    }

    private static string Json(Action<Utf8JsonWriter> items)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            items(w);
            w.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static List<string[]> Rows(string? json, string name, int width)
    {
        if (json is null)
        {
            throw new FormatException($"{name} is missing");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{name} is not valid JSON: {ex.Message}", ex);
        }

        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"{name} is not a JSON array");
        }

        var rows = new List<string[]>();
        var i = 0;
        foreach (var row in doc.RootElement.EnumerateArray())
        {
            if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() != width || row.EnumerateArray().Any(c => c.ValueKind != JsonValueKind.String))
            {
                throw new FormatException($"{name}[{i}] is not an array of {width} strings");
            }

            rows.Add(row.EnumerateArray().Select(c => c.GetString()!).ToArray());
            i++;
        }

        return rows;
    }

    private static string Text(decimal value) => StoredDecimal.Format(value);

    private static decimal Number(string text, string field) =>
        StoredDecimal.TryParse(text, out var value)
            ? value
            : throw new FormatException($"{field} is '{text}', not an invariant decimal");
}
