using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MlnetGan.Cli.Reports;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.ML;
using MlnetGan.ML.Reports;
using MlnetGan.Onnx;
using Spectre.Console;

namespace MlnetGan.Cli.Commands;

/// <summary>
/// <c>mlnetgan demo</c>: the whole pipeline on the built-in dataset (no download): train a DCGAN, export its
/// discriminator, featurize with the ML.NET featurizer, evaluate against raw pixels and an untrained D, write the report.
/// </summary>
internal static class DemoCommand
{
    /// <summary>
    /// Evaluates an exported model against both baselines into <c>&lt;run&gt;/report</c>, writes the HTML report, prints
    /// the accuracy table and returns the report's path. With <paramref name="generated"/> (samples of the run's
    /// generator), the report also says how a classifier of the real images judges them.
    /// </summary>
    public static string EvaluateAndReport(RunFolder run, string onnx, DatasetSplits splits, EvaluationOptions evaluation, OnnxDevice device,
        IReadOnlyList<(string Key, string Value)> facts, Stopwatch clock, ImageDataset? generated = null)
    {
        var reportDirectory = run.ReportPath;
        var result = EvaluateCommand.Evaluate(onnx, splits, ["untrained", "raw"], evaluation, reportDirectory, device, generated);
        var html = RunReport.Write(run, result, reportDirectory,
        [
            .. facts,
            ("evaluation", $"{result.Classifier}; {evaluation.Repeats} subsets per budget; {result.Seconds:F0} s"),
            ("versions", $"MlnetGan {VersionInfo.Version}, .NET {Environment.Version}"),
            ("total time of this invocation", $"{clock.Elapsed.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture)} s"),
        ], splits.Train);
        AnsiConsole.WriteLine();
        AnsiConsole.WriteLine(EvaluationReport.Table(result));
        if (result.GeneratedSamples is { } quality)
            AnsiConsole.WriteLine(string.Format(CultureInfo.InvariantCulture,
                "Generated samples, judged by a classifier of real images: confidence {0:P1} (real test images {1:P1}), spread of predicted classes {2:F2} bits (real {3:F2}, uniform {4:F2})",
                quality.GeneratedConfidence, quality.RealConfidence, quality.GeneratedEntropyBits, quality.RealEntropyBits, quality.MaxEntropyBits));
        AnsiConsole.MarkupLineInterpolated($"Report: {html}  ({clock.Elapsed.TotalSeconds:F0} s in all)");
        return html;
    }

    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Run folder; an existing one is kept unless --force is given.", DefaultValueFactory = _ => Path.Combine("runs", "demo") };
        var force = new Option<bool>("--force") { Description = "Replace an existing --out folder: it is set aside while the demo runs, deleted when the demo finishes, restored when it fails or is interrupted." };
        // The defaults spend the compute of the original demo (width 64, batch 128, 8 epochs: 312 steps) on 2,340 smaller
        // steps with one-sided label smoothing, which lets G learn the shapes (README, "The demo and its report").
        var epochs = SharedOptions.Positive(new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => 30 });
        var trainImages = SharedOptions.Positive(new Option<int>("--train-images") { Description = "Built-in training images (class-balanced).", DefaultValueFactory = _ => BuiltinShapes.DefaultTrainCount });
        var testImages = SharedOptions.Positive(new Option<int>("--test-images") { Description = "Built-in test images.", DefaultValueFactory = _ => BuiltinShapes.DefaultTestCount });
        var width = SharedOptions.Positive(new Option<int>("--width") { Description = "ngf = ndf.", DefaultValueFactory = _ => 32 });
        var batchSize = SharedOptions.Positive(new Option<int>("--batch-size") { Description = "Images per training step.", DefaultValueFactory = _ => 64 });
        var realLabel = new Option<double>("--real-label") { Description = "The discriminator's target for real images (0.9: one-sided label smoothing; 1: the DCGAN paper's).", DefaultValueFactory = _ => 0.9 };
        var budgets = new Option<string>("--labels-per-class") { Description = "Label budgets of the evaluation.", DefaultValueFactory = _ => "20,100,all" };
        var repeats = SharedOptions.Positive(new Option<int>("--repeats") { Description = "Labelled subsets per budget.", DefaultValueFactory = _ => 3 });
        var seed = SharedOptions.Seed();
        var device = SharedOptions.Device();
        var fallback = SharedOptions.AllowCpuFallback();
        var precision = SharedOptions.Precision();
        var command = new Command("demo", "Train, export, featurize and evaluate on the built-in dataset (no download); ends with the accuracy table and the report's path.")
        {
            output, force, epochs, trainImages, testImages, width, batchSize, realLabel, budgets, repeats, seed, device, fallback, precision,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var clock = Stopwatch.StartNew();
            var run = new RunFolder(parse.GetValue(output)!);
            if (Directory.Exists(run.Root) && Directory.EnumerateFileSystemEntries(run.Root).Any() && !parse.GetValue(force))
                throw new ArgumentException($"--out {run.Root} is not empty; pass --force to replace it, or choose another folder");
            using var previous = SetAside.Folder(run.Root);
            int exitCode = await Run(parse, run, clock, cancellation);
            if (exitCode == 0) previous.Discard();
            return exitCode;
        });
        return command;

        async Task<int> Run(ParseResult parse, RunFolder run, Stopwatch clock, CancellationToken cancellation)
        {
            long seedValue = parse.GetValue(seed);
            var model = new DcganConfig { Ngf = parse.GetValue(width), Ndf = parse.GetValue(width) }.Validate();
            var options = new TrainingOptions
            {
                Epochs = parse.GetValue(epochs), BatchSize = parse.GetValue(batchSize), RealLabel = parse.GetValue(realLabel), Seed = seedValue, CheckpointEvery = 0,
                Precision = parse.GetValue(precision),
            }.Validate();
            var evaluation = new EvaluationOptions
            {
                LabelsPerClass = EvaluateCommand.ParseBudgets(parse.GetValue(budgets)!), Repeats = parse.GetValue(repeats), Seed = seedValue,
            };
            var torchDevice = TorchDevice.Resolve(parse.GetValue(device)!, parse.GetValue(fallback), m => AnsiConsole.MarkupLineInterpolated($"[yellow]{m}[/]"));
            var splits = BuiltinShapes.Generate((int)(seedValue & 0x7FFFFFFF), parse.GetValue(trainImages), parse.GetValue(testImages));
            AnsiConsole.MarkupLineInterpolated($"Demo: a DCGAN ({CheckpointStore.Describe(model)}) on {splits.Train.Count} built-in images, {options.Epochs} epochs, on {torchDevice} in {SharedOptions.Describe(TrainingPrecisions.Resolve(options.Precision, torchDevice), options.Precision, torchDevice)}; report in {run.Root}");

            var trained = await Task.Run(() => ConsoleProgress.Train(run, splits.Train, model, options, torchDevice, resume: false, cancellation), CancellationToken.None);
            if (trained.Interrupted) return CliApp.InterruptedExitCode;
            var onnx = run.DiscriminatorPath;
            RunExport.Export(run, onnx);
            ImageDataset generated;
            using (var generator = Sampling.LoadGenerator(run))
                generated = Sampling.SampleDataset(generator, splits.Test!.Count, seedValue, options.BatchSize, splits.Train.ClassNames);
            EvaluateAndReport(run, onnx, splits, evaluation, OnnxDevice.Parse(parse.GetValue(device)!, parse.GetValue(fallback)),
            [
                ("dataset", $"built-in shapes, {splits.Train.Count} train / {splits.Test!.Count} test images, 10 classes"),
                ("model", $"DCGAN {CheckpointStore.Describe(model)}, {model.FeatureLength:N0} features"),
                ("training", $"{trained.Step} steps in {trained.Elapsed.TotalSeconds:F0} s ({trained.ImagesPerSecond:F0} images/s over the whole training), batch {options.BatchSize}, real label {options.RealLabel:0.##}, seed {seedValue}, {ConvolutionFlops.TrainingStep(model, options.BatchSize) * trained.Step / 1e12:F1} TFLOP"),
                ("device", torchDevice.ToString()),
                ("precision", SharedOptions.Describe(trained.Precision, options.Precision, torchDevice)),
            ], clock, generated);
            return 0;
        }
    }
}
