using System.CommandLine;
using MlnetGan.Benchmarks;
using MlnetGan.Cli;
using MlnetGan.Cli.Commands;

var root = new RootCommand("MlnetGan benchmarks: figures and ratios measured side by side in one run (BENCHMARKS.md), and the input fuzzer (RELIABILITY.md).");
root.Subcommands.Add(TrainBenchmark.Create());
root.Subcommands.Add(ExportBenchmark.Create());
root.Subcommands.Add(FeaturizeBenchmark.Create());
root.Subcommands.Add(StreamBenchmark.Create());
root.Subcommands.Add(FuzzBenchmark.Create());
OptionParsers.ApplyDefaults(root);
return await CliApp.RunAsync(root, args);
