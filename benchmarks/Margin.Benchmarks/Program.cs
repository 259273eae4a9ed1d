using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Margin.Benchmarks.StandardAccountBenchmarks).Assembly).Run(args);
