using System.Text.Json;

namespace Margin.Infrastructure.Documents;

/// <summary>Reads a <c>margin evaluate</c> document (schemaVersion 1): a price snapshot, risk parameters and accounts.</summary>
/// <remarks>
/// Problems of the document as a whole (not JSON, a missing or unsupported <c>schemaVersion</c>, an unreadable snapshot,
/// inconsistent parameters, invalid planner options, an unknown top-level property) are returned instead of an input: nothing may be evaluated.
/// Each account is read on its own, so one malformed account never stops the others.
/// </remarks>
public static class EvaluateInputReader
{
    /// <summary>The only input schema version this build reads.</summary>
    public const int SchemaVersion = 1;

    private static readonly JsonDocumentOptions s_options = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 64,
    };

    public static (EvaluateInput? Input, IReadOnlyList<InputProblem> Problems) Read(string json) => Read(json, preset: null);

    /// <summary>Reads a document; with a <paramref name="preset"/> its parameters replace the document's <c>parameters</c>, which may then be absent.</summary>
    public static (EvaluateInput? Input, IReadOnlyList<InputProblem> Problems) Read(string json, (string Name, ParameterSet Set)? preset)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, s_options);
        }
        catch (JsonException ex)
        {
            return (null, [new InputProblem(null, $"the file is not valid JSON: {ex.Message}")]);
        }

        using (document)
        {
            return Read(document.RootElement, preset);
        }
    }

    private static (EvaluateInput? Input, IReadOnlyList<InputProblem> Problems) Read(JsonElement rootElement, (string Name, ParameterSet Set)? preset)
    {
        var problems = new List<InputProblem>();
        if (InputObject.From(rootElement, string.Empty, problems) is not { } root)
        {
            return (null, [new InputProblem(null, $"the document must be a JSON object (got {NumberText.Describe(rootElement)})")]);
        }

        // The version decides how everything else is read, so nothing else is judged when it is wrong.
        var version = root.Raw("schemaVersion");
        if (version is null)
        {
            return (null, [new InputProblem("schemaVersion", $"is required; this margin reads \"schemaVersion\": {SchemaVersion}")]);
        }

        if (version.Value.ValueKind != JsonValueKind.Number || !version.Value.TryGetInt32(out var v) || v != SchemaVersion)
        {
            return (null, [new InputProblem("schemaVersion", $"unsupported schemaVersion {version.Value.GetRawText()}; this margin reads \"schemaVersion\": {SchemaVersion}")]);
        }

        var snapshotObject = root.Object(SnapshotReader.Root, required: true);
        var snapshot = snapshotObject is null ? null : SnapshotReader.Read(snapshotObject, problems);
        ParameterSet? set;
        var replaced = false;
        if (preset is { } p)
        {
            // The preset replaces the document's parameters wholesale (docs/evaluate.md, "Presets"): they are not read,
            // so one document can be evaluated under several presets.
            replaced = root.Raw(ParametersReader.Root) is not null;
            set = p.Set;
        }
        else
        {
            var parametersObject = root.Object(ParametersReader.Root, required: true);
            set = parametersObject is null ? null : ParametersReader.ReadSet(parametersObject, problems);
        }

        var parameters = set?.Parameters;
        var accounts = root.Array("accounts", required: true);
        var plannerObject = root.Object(PlannerReader.Root);
        var planner = plannerObject is null ? null : PlannerReader.Read(plannerObject, problems);
        root.RejectUnknown();
        if (snapshot is not null && parameters is not null && snapshot.Quote != parameters.Settlement)
        {
            problems.Add(new InputProblem("snapshot.quote", preset is { } named
                ? $"the snapshot is quoted in {snapshot.Quote}, but preset {named.Name} settles in {parameters.Settlement}"
                : $"the snapshot is quoted in {snapshot.Quote}, but the parameters settle in {parameters.Settlement}"));
        }

        if (problems.Count > 0 || snapshot is null || parameters is null || accounts is null)
        {
            return (null, problems);
        }

        var entries = new List<AccountEntry>(accounts.Count);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < accounts.Count; i++)
        {
            var entry = AccountReader.Read(i, accounts[i].Element);
            if (entry.Id is { } id && !seen.TryAdd(id, i))
            {
                entry = entry with { Account = null, Problems = [.. entry.Problems, new InputProblem("id", $"account '{id}' appears twice in the file (first at accounts[{seen[id]}])")] };
            }

            entries.Add(entry);
        }

        return (new EvaluateInput(snapshot, parameters, entries)
        {
            Planner = planner,
            Metadata = set!.Metadata,
            Preset = preset?.Name,
            ParametersReplaced = replaced,
        }, []);
    }
}
