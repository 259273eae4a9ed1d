using Margin.SweepHarness;

return await Harness.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
