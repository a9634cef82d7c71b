using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.ML;
using MlnetGan.Onnx;
using Spectre.Console;

namespace MlnetGan.Cli.Commands;

/// <summary>
/// <c>mlnetgan paper</c>: the DCGAN paper's CIFAR-10 experiment in one resumable command: train on the training images
/// without labels for a budget (time or epochs), export, evaluate every label budget against both baselines, report.
/// Rerunning the same command continues where it stopped (training resumes from its checkpoint; finished stages are kept).
/// </summary>
internal static class PaperCommand
{
    /// <summary>What has been done, saved in the run folder after every stage.</summary>
    private sealed record PaperState(string Data, double TrainingSeconds, bool Trained, bool Exported);

    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "CIFAR-10: the cifar-10-batches-bin folder (or its parent) or the image folder with train/ and test/.", Required = true };
        var output = new Option<string>("--out") { Description = "Run folder (created, or continued when it holds this experiment).", DefaultValueFactory = _ => Path.Combine("runs", "paper") };
        var budget = new Option<string>("--budget") { Description = "Training budget: a time (90s, 60m, 1.5h) or epochs (7e).", DefaultValueFactory = _ => "60m" };
        var budgets = new Option<string>("--labels-per-class") { Description = "Label budgets of the evaluation.", DefaultValueFactory = _ => "100,400,1000,all" };
        var repeats = SharedOptions.Positive(new Option<int>("--repeats") { Description = "Labelled subsets per budget.", DefaultValueFactory = _ => 3 });
        var width = SharedOptions.Positive(new Option<int>("--width") { Description = "ngf = ndf.", DefaultValueFactory = _ => 64 });
        var batchSize = SharedOptions.Positive(new Option<int>("--batch-size") { Description = "Images per training step.", DefaultValueFactory = _ => 128 });
        var seed = SharedOptions.Seed();
        var device = SharedOptions.Device();
        var fallback = SharedOptions.AllowCpuFallback();
        var precision = SharedOptions.Precision();
        var command = new Command("paper", "The DCGAN paper's CIFAR-10 evaluation in one resumable command: train (no labels), export, evaluate, report.")
        {
            data, output, budget, budgets, repeats, width, batchSize, seed, device, fallback, precision,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var clock = Stopwatch.StartNew();
            var (timeBudget, epochBudget) = ParseBudget(parse.GetValue(budget)!);
            var dataPath = Path.GetFullPath(parse.GetRequiredValue(data));
            var run = new RunFolder(parse.GetValue(output)!);
            var statePath = run.PaperStatePath;
            var state = File.Exists(statePath) ? ReadState(statePath) : null;
            if (state is null && Directory.Exists(run.Root) && Directory.EnumerateFileSystemEntries(run.Root).Any())
                throw new ArgumentException($"--out {run.Root} is not empty and holds no paper run; choose another folder");
            if (state is not null && state.Data != dataPath)
                throw new ArgumentException($"--out {run.Root} was started on {state.Data}; pass the same --data to continue it");
            state ??= new PaperState(dataPath, 0, false, false);
            if (timeBudget is { } more && more.TotalSeconds > state.TrainingSeconds + 1) state = state with { Trained = false, Exported = false };

            long seedValue = parse.GetValue(seed);
            var model = new DcganConfig { Ngf = parse.GetValue(width), Ndf = parse.GetValue(width) }.Validate();
            var splits = SharedOptions.LoadData(dataPath, DatasetFormat.Auto, skipCorrupt: false, model.ImageSize, model.Channels, seedValue);
            if (splits.Test is null) throw new DatasetException(dataPath, "has no test split; the paper's protocol scores on the official test images");
            var torchDevice = TorchDevice.Resolve(parse.GetValue(device)!, parse.GetValue(fallback), m => AnsiConsole.MarkupLineInterpolated($"[yellow]{m}[/]"));
            var options = new TrainingOptions { Epochs = epochBudget ?? 100_000, BatchSize = parse.GetValue(batchSize), Seed = seedValue, Precision = parse.GetValue(precision) }.Validate();

            if (!state.Trained)
            {
                bool resume = run.Exists || new CheckpointStore(run).HasCheckpoints;
                var spent = TimeSpan.FromSeconds(state.TrainingSeconds);
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                if (timeBudget is { } limit) deadline.CancelAfter(limit - spent);
                AnsiConsole.MarkupLineInterpolated($"{(resume ? "Continuing" : "Starting")} DCGAN training ({CheckpointStore.Describe(model)}) on {splits.Train.Count} unlabeled images, budget {parse.GetValue(budget)}, on {torchDevice}");
                var result = await Task.Run(() => ConsoleProgress.Train(run, splits.Train, model, options, torchDevice, resume, deadline.Token, timeBudget, spent), CancellationToken.None);
                state = state with { TrainingSeconds = state.TrainingSeconds + result.Elapsed.TotalSeconds };
                bool userStopped = cancellation.IsCancellationRequested;
                state = state with { Trained = !userStopped };
                WriteState(statePath, state);
                if (userStopped)
                {
                    AnsiConsole.MarkupLineInterpolated($"[yellow]Interrupted at step {result.Step}; run the same command to continue.[/]");
                    return CliApp.InterruptedExitCode;
                }
            }
            var onnx = run.DiscriminatorPath;
            if (!state.Exported || !File.Exists(onnx))
            {
                RunExport.Export(run, onnx);
                state = state with { Exported = true };
                WriteState(statePath, state);
            }
            var checkpoint = CheckpointStore.ReadState(new CheckpointStore(run).LatestPathOrNull()!);
            var evaluation = new EvaluationOptions { LabelsPerClass = EvaluateCommand.ParseBudgets(parse.GetValue(budgets)!), Repeats = parse.GetValue(repeats), Seed = seedValue };
            DemoCommand.EvaluateAndReport(run, onnx, splits, evaluation, OnnxDevice.Parse(parse.GetValue(device)!, parse.GetValue(fallback)),
            [
                ("dataset", $"{dataPath}: {splits.Train.Count} train (labels unused for training) / {splits.Test.Count} test images"),
                ("model", $"DCGAN {CheckpointStore.Describe(model)}, {model.FeatureLength:N0} features"),
                ("training", $"{checkpoint.Step} steps ({checkpoint.Step / (double)(splits.Train.Count / options.BatchSize):F1} epochs) in {state.TrainingSeconds:F0} s of training, budget {parse.GetValue(budget)}, batch {options.BatchSize}, seed {seedValue}"),
                ("device", torchDevice.ToString()),
                ("precision", SharedOptions.Describe(run.ReadConfig().Training.Precision, options.Precision, torchDevice)),
            ], clock);
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

    private static PaperState ReadState(string path)
    {
        try { return JsonSerializer.Deserialize<PaperState>(File.ReadAllText(path), RunFolder.Json) ?? throw new RunException(path, "is empty"); }
        catch (JsonException e) { throw new RunException(path, $"is corrupt ({e.Message})", e); }
    }

    private static void WriteState(string path, PaperState state) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(state, RunFolder.Json));
}
