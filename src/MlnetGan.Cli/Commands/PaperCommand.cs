using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MlnetGan.Cli.Reports;
using MlnetGan.Gan;
using MlnetGan.ML;
using MlnetGan.Workflows;
using Spectre.Console;

namespace MlnetGan.Cli.Commands;

/// <summary>
/// <c>mlnetgan paper</c>: the DCGAN paper's CIFAR-10 experiment in one resumable command (<see cref="PaperExperiment"/>).
/// Rerunning the same command continues where it stopped.
/// </summary>
internal static class PaperCommand
{
    public static Command Create()
    {
        var defaults = new PaperOptions();
        var data = new Option<string>("--data") { Description = "CIFAR-10: the cifar-10-batches-bin folder (or its parent) or the image folder with train/ and test/.", Required = true };
        var output = new Option<string>("--out") { Description = "Run folder (created, or continued when it holds this experiment).", DefaultValueFactory = _ => Path.Combine("runs", "paper") };
        var budget = new Option<string>("--budget") { Description = "Training budget: a time (90s, 60m, 1.5h) or epochs (7e).", DefaultValueFactory = _ => defaults.Budget.Text };
        var budgets = new Option<string>("--labels-per-class") { Description = "Label budgets of the evaluation.", DefaultValueFactory = _ => EvaluateCommand.FormatBudgets(defaults.LabelsPerClass) };
        var repeats = SharedOptions.Positive(new Option<int>("--repeats") { Description = "Labelled subsets per budget.", DefaultValueFactory = _ => defaults.Repeats });
        var averageFlip = SharedOptions.AverageFlip();
        var ngf = SharedOptions.Positive(new Option<int>("--ngf") { Description = "Generator width.", DefaultValueFactory = _ => defaults.Ngf });
        var ndf = SharedOptions.Positive(new Option<int>("--ndf") { Description = "Discriminator width.", DefaultValueFactory = _ => defaults.Ndf });
        var batchSize = SharedOptions.Positive(new Option<int>("--batch-size") { Description = "Images per training step.", DefaultValueFactory = _ => defaults.BatchSize });
        var seed = SharedOptions.Seed();
        var device = SharedOptions.Device();
        var fallback = SharedOptions.AllowCpuFallback();
        var precision = SharedOptions.Precision();
        var command = new Command("paper", "The DCGAN paper's CIFAR-10 evaluation in one resumable command: train (no labels), export, evaluate, report.")
        {
            data, output, budget, budgets, repeats, averageFlip, ngf, ndf, batchSize, seed, device, fallback, precision,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var clock = Stopwatch.StartNew();
            var budgetText = parse.GetValue(budget)!;
            var (timeBudget, epochBudget) = ParseBudget(budgetText);
            var options = new PaperOptions
            {
                Budget = new PaperBudget(budgetText, timeBudget, epochBudget), LabelsPerClass = EvaluateCommand.ParseBudgets(parse.GetValue(budgets)!), Repeats = parse.GetValue(repeats), AverageHorizontalFlip = parse.GetValue(averageFlip),
                Ngf = parse.GetValue(ngf), Ndf = parse.GetValue(ndf), BatchSize = parse.GetValue(batchSize), Seed = parse.GetValue(seed), Precision = parse.GetValue(precision),
                TrainingDevice = TorchDevice.Resolve(parse.GetValue(device)!, parse.GetValue(fallback), m => AnsiConsole.MarkupLineInterpolated($"[yellow]{m}[/]")),
                FeaturizingDevice = OnnxDevice.Parse(parse.GetValue(device)!, parse.GetValue(fallback)),
            };
            var run = new RunFolder(parse.GetValue(output)!);
            var dataPath = Path.GetFullPath(parse.GetRequiredValue(data));
            var result = await Task.Run(() => PaperExperiment.Run(run, dataPath, options, ConsoleProgress.Workflow, cancellation), CancellationToken.None);
            if (result.Report is null)
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]Interrupted at step {result.Step}; run the same command to continue.[/]");
                return CliApp.InterruptedExitCode;
            }
            ReportConsole.Print(result.Report, clock);
            return 0;
        });
        return command;
    }

    /// <summary>A time (s, m or h suffix) or an epoch count (e suffix).</summary>
    public static (TimeSpan? Time, int? Epochs) ParseBudget(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t.Length >= 2 && double.TryParse(t[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0)
        {
            switch (t[^1])
            {
                case 's': return (TimeSpan.FromSeconds(value), null);
                case 'm': return (TimeSpan.FromMinutes(value), null);
                case 'h': return (TimeSpan.FromHours(value), null);
                case 'e' when value == Math.Floor(value): return (null, (int)value);
            }
        }
        throw new ArgumentException($"--budget: '{text}' is neither a time (90s, 60m, 1.5h) nor a whole number of epochs (7e)");
    }
}
