using System.CommandLine;
using System.Text.Json;
using Margin.Cli.Hosting;
using Margin.Infrastructure.Composition;
using Margin.Infrastructure.Documents;

namespace Margin.Cli.Commands;

/// <summary><c>margin params import FILE | show [VERSION] | activate VERSION | list</c>: the versioned risk parameters and the active pointer.</summary>
/// <remarks>
/// FILE is a parameters document (docs/evaluate.md, "parameters"; a preset file is one), or an evaluate input whose
/// <c>parameters</c> member is taken. Versions are immutable: importing a version again with other content is refused.
/// </remarks>
internal static class ParamsCommand
{
    public static Command Create(CommandIo io)
    {
        var connection = StorageCommand.Connection();
        var partitions = StorageCommand.Partitions();
        var file = new Argument<FileInfo>("file") { Description = "a parameters document (JSON)" };
        var activate = new Option<bool>("--activate") { Description = "make the imported version the active one" };
        var import = new Command("import", "Import a parameter version (immutable).") { file, activate, connection, partitions, StorageCommand.Prefix() };
        import.SetAction((parse, ct) => ImportAsync(io, parse, parse.GetRequiredValue(file), parse.GetValue(activate), connection, partitions, ct));

        var showVersion = new Argument<string?>("version") { Description = "the version (default: the active one)", Arity = ArgumentArity.ZeroOrOne };
        var show = new Command("show", "Print a parameter version's document.") { showVersion, connection, partitions, StorageCommand.Prefix() };
        show.SetAction((parse, ct) => ShowAsync(io, parse, parse.GetValue(showVersion), connection, partitions, ct));

        var activateVersion = new Argument<string>("version") { Description = "the version to make active" };
        var activateCommand = new Command("activate", "Make a stored parameter version the active one (the next sweep uses it).") { activateVersion, connection, partitions, StorageCommand.Prefix() };
        activateCommand.SetAction((parse, ct) => ActivateAsync(io, parse, parse.GetRequiredValue(activateVersion), connection, partitions, ct));

        var list = new Command("list", "List the stored parameter versions; the active one is marked.") { connection, partitions, StorageCommand.Prefix() };
        list.SetAction((parse, ct) => ListAsync(io, parse, connection, partitions, ct));
        return new Command("params", "Versioned risk parameters: import, show, activate, list.") { import, show, activateCommand, list };
    }

    private static async Task<int> ImportAsync(CommandIo io, ParseResult parse, FileInfo file, bool activate, Option<string?> connection, Option<int?> partitions, CancellationToken ct)
    {
        if (!file.Exists)
        {
            return await StorageCommand.FailAsync(io, "params import", $"{file.FullName} does not exist", ct).ConfigureAwait(false);
        }

        string document;
        try
        {
            document = BookSeeder.ParametersDocumentOf(await File.ReadAllTextAsync(file.FullName, ct).ConfigureAwait(false));
        }
        catch (JsonException ex)
        {
            return await StorageCommand.FailAsync(io, "params import", $"{file.FullName} is not JSON: {ex.Message}", ct).ConfigureAwait(false);
        }

        var (set, problems) = ParametersReader.ReadDocument(document);
        if (set is null)
        {
            foreach (var p in problems)
            {
                await io.Error.WriteLineAsync($"margin params import: {file.Name}: {p.Field ?? ParametersReader.Root}: {p.Problem}".AsMemory(), ct).ConfigureAwait(false);
            }

            return ExitCodes.InvalidInput;
        }

        if (await StorageCommand.SettingsAsync(io, "params import", parse, connection, partitions, null, ct).ConfigureAwait(false) is not { } settings)
        {
            return ExitCodes.InvalidInput;
        }

        var storage = await StorageCommand.OpenAsync(settings, ct).ConfigureAwait(false);
        try
        {
            await storage.Parameters.ImportAsync(document, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return await StorageCommand.FailAsync(io, "params import", ex.Message, ct).ConfigureAwait(false);
        }

        var version = set.Parameters.Version;
        if (activate)
        {
            await storage.Parameters.ActivateAsync(version, ct).ConfigureAwait(false);
        }

        await io.Output.WriteLineAsync($"imported parameters {version} ({set.Parameters.Assets.Count} assets, {set.Parameters.Instruments.Count} instruments){(activate ? "; active" : string.Empty)}".AsMemory(), ct).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> ShowAsync(CommandIo io, ParseResult parse, string? version, Option<string?> connection, Option<int?> partitions, CancellationToken ct)
    {
        if (await StorageCommand.SettingsAsync(io, "params show", parse, connection, partitions, null, ct).ConfigureAwait(false) is not { } settings)
        {
            return ExitCodes.InvalidInput;
        }

        var storage = await StorageCommand.OpenAsync(settings, ct).ConfigureAwait(false);
        version ??= await storage.Parameters.GetActiveVersionAsync(ct).ConfigureAwait(false);
        if (version is null)
        {
            return await StorageCommand.FailAsync(io, "params show", "no version is active; name one (margin params list)", ct).ConfigureAwait(false);
        }

        if (await storage.Parameters.GetDocumentAsync(version, ct).ConfigureAwait(false) is not { } document)
        {
            return await StorageCommand.FailAsync(io, "params show", $"no parameter version {version} is stored", ct).ConfigureAwait(false);
        }

        using var doc = JsonDocument.Parse(document);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            doc.RootElement.WriteTo(writer);
        }

        await io.Output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray()).AsMemory(), ct).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> ActivateAsync(CommandIo io, ParseResult parse, string version, Option<string?> connection, Option<int?> partitions, CancellationToken ct)
    {
        if (await StorageCommand.SettingsAsync(io, "params activate", parse, connection, partitions, null, ct).ConfigureAwait(false) is not { } settings)
        {
            return ExitCodes.InvalidInput;
        }

        var storage = await StorageCommand.OpenAsync(settings, ct).ConfigureAwait(false);
        try
        {
            await storage.Parameters.ActivateAsync(version, ct).ConfigureAwait(false);
        }
        catch (KeyNotFoundException)
        {
            return await StorageCommand.FailAsync(io, "params activate", $"no parameter version {version} is stored (margin params list)", ct).ConfigureAwait(false);
        }

        await io.Output.WriteLineAsync($"parameters {version} are active".AsMemory(), ct).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> ListAsync(CommandIo io, ParseResult parse, Option<string?> connection, Option<int?> partitions, CancellationToken ct)
    {
        if (await StorageCommand.SettingsAsync(io, "params list", parse, connection, partitions, null, ct).ConfigureAwait(false) is not { } settings)
        {
            return ExitCodes.InvalidInput;
        }

        var storage = await StorageCommand.OpenAsync(settings, ct).ConfigureAwait(false);
        var active = await storage.Parameters.GetActiveVersionAsync(ct).ConfigureAwait(false);
        foreach (var version in await storage.Parameters.ListAsync(ct).ConfigureAwait(false))
        {
            await io.Output.WriteLineAsync($"{version}{(version == active ? "  (active)" : string.Empty)}".AsMemory(), ct).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }
}
