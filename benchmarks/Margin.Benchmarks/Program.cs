using BenchmarkDotNet.Running;

if (args is ["survey-planner"])
{
    new Margin.Benchmarks.TenAssetPlannerBenchmarks().Survey();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Margin.Benchmarks.StandardAccountBenchmarks).Assembly).Run(args);
