using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/AgentCoherence.Benchmarks -- --filter '*' --job short
BenchmarkSwitcher.FromAssembly(typeof(AgentCoherence.Benchmarks.ReadBenchmarks).Assembly).Run(args);
