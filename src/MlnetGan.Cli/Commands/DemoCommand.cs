using System.CommandLine;
using System.Diagnostics;
using MlnetGan.Cli.Reports;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.ML;
using MlnetGan.Workflows;
using Spectre.Console;

namespace MlnetGan.Cli.Commands;

/// <summary><c>mlnetgan demo</c>: <see cref="DemoWorkflow"/> into a run folder that is set aside (not lost) until the demo finishes.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var defaults = new DemoOptions();
        var output = new Option<string>("--out") { Description = "Run folder; an existing one is kept unless --force is given.", DefaultValueFactory = _ => Path.Combine("runs", "demo") };
        var force = new Option<bool>("--force") { Description = "Replace an existing --out folder: it is set aside while the demo runs, deleted when the demo finishes, restored when it fails or is interrupted." };
        // The defaults spend the compute of the original demo on many smaller steps (README, "The demo and its report").
        var epochs = SharedOptions.Positive(new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => defaults.Epochs });
        var trainImages = SharedOptions.Positive(new Option<int>("--train-images") { Description = "Built-in training images (class-balanced).", DefaultValueFactory = _ => defaults.TrainImages });
        var testImages = SharedOptions.Positive(new Option<int>("--test-images") { Description = "Built-in test images.", DefaultValueFactory = _ => defaults.TestImages });
        var shapes = OptionParsers.KebabCase(new Option<BuiltinStyle>("--shapes")
        {
            Description = "How the built-in shapes are drawn: textured (gradients, stripes and pixel noise: the built-in dataset) or plain (a light shape on a dark plain background).",
            DefaultValueFactory = _ => defaults.Shapes,
        });
        var width = SharedOptions.Positive(new Option<int>("--width") { Description = "ngf = ndf.", DefaultValueFactory = _ => defaults.Width });
        var batchSize = SharedOptions.Positive(new Option<int>("--batch-size") { Description = "Images per training step.", DefaultValueFactory = _ => defaults.BatchSize });
        var realLabel = new Option<double>("--real-label") { Description = "The discriminator's target for real images (0.9: one-sided label smoothing; 1: the DCGAN paper's).", DefaultValueFactory = _ => defaults.RealLabel };
        var learningRateDecay = new Option<int>("--lr-decay-epochs") { Description = "Lower the learning rate linearly to zero over the last this many epochs (0: constant).", DefaultValueFactory = _ => defaults.LearningRateDecayEpochs };
        var budgets = new Option<string>("--labels-per-class") { Description = "Label budgets of the evaluation.", DefaultValueFactory = _ => EvaluateCommand.FormatBudgets(defaults.LabelsPerClass) };
        var repeats = SharedOptions.Positive(new Option<int>("--repeats") { Description = "Labelled subsets per budget.", DefaultValueFactory = _ => defaults.Repeats });
        var seed = SharedOptions.Seed();
        var device = SharedOptions.Device();
        var fallback = SharedOptions.AllowCpuFallback();
        var precision = SharedOptions.Precision();
        var command = new Command("demo", "Train, export, featurize and evaluate on the built-in dataset (no download); ends with the accuracy table and the report's path.")
        {
            output, force, epochs, trainImages, testImages, shapes, width, batchSize, realLabel, learningRateDecay, budgets, repeats, seed, device, fallback, precision,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var clock = Stopwatch.StartNew();
            var run = new RunFolder(parse.GetValue(output)!);
            if (Directory.Exists(run.Root) && Directory.EnumerateFileSystemEntries(run.Root).Any() && !parse.GetValue(force))
                throw new ArgumentException($"--out {run.Root} is not empty; pass --force to replace it, or choose another folder");
            using var previous = SetAside.Folder(run.Root);
            var options = new DemoOptions
            {
                Epochs = parse.GetValue(epochs), TrainImages = parse.GetValue(trainImages), TestImages = parse.GetValue(testImages), Shapes = parse.GetValue(shapes), Width = parse.GetValue(width),
                BatchSize = parse.GetValue(batchSize), RealLabel = parse.GetValue(realLabel), LearningRateDecayEpochs = parse.GetValue(learningRateDecay), LabelsPerClass = EvaluateCommand.ParseBudgets(parse.GetValue(budgets)!),
                Repeats = parse.GetValue(repeats), Seed = parse.GetValue(seed), Precision = parse.GetValue(precision),
                TrainingDevice = TorchDevice.Resolve(parse.GetValue(device)!, parse.GetValue(fallback), m => AnsiConsole.MarkupLineInterpolated($"[yellow]{m}[/]")),
                FeaturizingDevice = OnnxDevice.Parse(parse.GetValue(device)!, parse.GetValue(fallback)),
            };
            var result = await Task.Run(() => DemoWorkflow.Run(run, options, ConsoleProgress.Workflow, cancellation), CancellationToken.None);
            if (result.Report is null) return CliApp.InterruptedExitCode;
            ReportConsole.Print(result.Report, clock);
            previous.Discard();
            return 0;
        });
        return command;
    }
}
