using System.CommandLine;
using System.Diagnostics;
using MlnetGan.Cli;
using MlnetGan.Cli.Commands;
using MlnetGan.Benchmarks.Fuzzing;
using Spectre.Console;

namespace MlnetGan.Benchmarks;

/// <summary><c>mlnetgan-bench fuzz</c>: the input fuzzer (<see cref="InputFuzzer"/>) over every format, with a count of each outcome.</summary>
internal static class FuzzBenchmark
{
    public static Command Create()
    {
        var cases = SharedOptions.Positive(new Option<int>("--cases") { Description = "Mutants per format.", DefaultValueFactory = _ => 5000 });
        var formats = new Option<string>("--formats") { Description = $"Comma-separated formats: {string.Join(", ", InputFuzzer.Formats)}.", DefaultValueFactory = _ => string.Join(",", InputFuzzer.Formats) };
        var seed = SharedOptions.Seed();
        var timeout = SharedOptions.Positive(new Option<int>("--timeout") { Description = "Seconds one case may run before it counts as a hang.", DefaultValueFactory = _ => 30 });
        var command = new Command("fuzz", "Mutates valid seed files of every input format and counts how each reader ends: accepted, refused with its documented error, or a defect (another exception, a hang, a memory blow-up).")
        {
            cases, formats, seed, timeout,
        };
        command.SetAction(parse =>
        {
            using var fuzzer = new InputFuzzer(TimeSpan.FromSeconds(parse.GetValue(timeout)));
            var table = new Table().AddColumns("format", "inputs tried", "outcomes");
            int defects = 0;
            foreach (var format in parse.GetValue(formats)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var report = fuzzer.Run(format, parse.GetValue(cases), (int)parse.GetValue(seed));
                table.AddRow(Markup.Escape(format), report.Cases.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
                    Markup.Escape(string.Join("; ", report.Outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value:N0}"))));
                foreach (var defect in report.Defects) AnsiConsole.MarkupLineInterpolated($"[red]defect:[/] {defect}");
                defects += report.Defects.Count;
            }
            AnsiConsole.Write(table);
            using var process = Process.GetCurrentProcess();
            AnsiConsole.MarkupLineInterpolated($"peak working set {process.PeakWorkingSet64 / 1048576.0:F0} MiB; {defects} defects");
            return defects == 0 ? 0 : 1;
        });
        return command;
    }
}
