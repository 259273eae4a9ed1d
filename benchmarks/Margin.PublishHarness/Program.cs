using Margin.PublishHarness;

return await Harness.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
