using BenchmarkDotNet.Running;
using Geode.Benchmarks;

// Every suite in this assembly; pick with --filter and a job with --job (docs/benchmarks.md).
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchmarkConfig.Create());
