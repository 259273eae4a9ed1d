using System.CommandLine;
using Margin.Infrastructure.Documents;
using Margin.Cli.Presets;

namespace Margin.Cli.Commands;

/// <summary><c>margin presets list</c> and <c>margin presets show NAME</c>: the methodology presets shipped inside the CLI.</summary>
internal static class PresetsCommand
{
    public static Command Create(CommandIo io)
    {
        var list = new Command("list", "List the shipped presets: name, methodology, date and sources.");
        list.SetAction(async (_, cancellationToken) =>
        {
            foreach (var name in PresetCatalog.Names)
            {
                var (set, problems) = PresetCatalog.Load(name);
                if (set?.Metadata is not { } m)
                {
                    await io.Error.WriteLineAsync($"margin presets: {name} is invalid: {string.Join("; ", problems)}".AsMemory(), cancellationToken).ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }

                var methodology = m.Methodology is { } k ? ParametersMetadata.NameOf(k) : "none";
                await io.Output.WriteLineAsync($"{name}  ({methodology}, numbers taken {m.TakenOn:yyyy-MM-dd}, parameters {set.Parameters.Version})".AsMemory(), cancellationToken).ConfigureAwait(false);
                if (m.Description is { } d)
                {
                    await io.Output.WriteLineAsync($"  {d}".AsMemory(), cancellationToken).ConfigureAwait(false);
                }

                foreach (var source in m.Sources)
                {
                    await io.Output.WriteLineAsync($"  source: {source.Title}: {source.Url}".AsMemory(), cancellationToken).ConfigureAwait(false);
                }
            }

            await io.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });

        var name = new Argument<string>("name") { Description = "the preset's name (margin presets list)" };
        name.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } n && !PresetCatalog.Exists(n))
            {
                result.AddError(PresetCatalog.Unknown(n));
            }
        });
        var show = new Command("show", "Print a preset's parameters file (the parameters section of docs/evaluate.md, with its metadata).") { name };
        show.SetAction(async (parseResult, cancellationToken) =>
        {
            await io.Output.WriteAsync(PresetCatalog.Text(parseResult.GetRequiredValue(name))!.AsMemory(), cancellationToken).ConfigureAwait(false);
            await io.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });

        return new Command("presets", "The methodology presets shipped with margin (Binance, Drift, Aave): margin evaluate --preset NAME.") { list, show };
    }
}
