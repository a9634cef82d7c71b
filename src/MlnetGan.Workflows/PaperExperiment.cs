using System.Diagnostics;
using System.Text.Json;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.ML;
using MlnetGan.Onnx;
using static TorchSharp.torch;

namespace MlnetGan.Workflows;

/// <summary>How long the paper experiment trains.</summary>
/// <param name="Text">The budget as the user wrote it, for messages and the report.</param>
/// <param name="Time">Training time over every invocation, or null.</param>
/// <param name="Epochs">Training epochs, or null.</param>
public sealed record PaperBudget(string Text, TimeSpan? Time, int? Epochs);

/// <summary>Settings of the paper experiment (the DCGAN paper's CIFAR-10 setting by default).</summary>
public sealed record PaperOptions
{
    /// <summary>The training budget, over every invocation of the experiment.</summary>
    public PaperBudget Budget { get; init; } = new("60m", TimeSpan.FromMinutes(60), null);

    /// <summary>Label budgets of the evaluation; null is every training image.</summary>
    public IReadOnlyList<int?> LabelsPerClass { get; init; } = new EvaluationOptions().LabelsPerClass;

    /// <summary>Labelled subsets per budget.</summary>
    public int Repeats { get; init; } = new EvaluationOptions().Repeats;

    /// <summary>Evaluate the discriminator's features averaged with those of the mirror images (<see cref="EvaluationOptions.AverageHorizontalFlip"/>).</summary>
    public bool AverageHorizontalFlip { get; init; }

    /// <summary>Generator width (the DCGAN paper's 64 by default).</summary>
    public int Ngf { get; init; } = new DcganConfig().Ngf;

    /// <summary>Discriminator width, which sets the feature length (the DCGAN paper's 64 by default; 128 reaches the 60-minute targets, BENCHMARKS.md).</summary>
    public int Ndf { get; init; } = new DcganConfig().Ndf;

    /// <summary>Images per training step.</summary>
    public int BatchSize { get; init; } = new TrainingOptions().BatchSize;

    /// <summary>Seed of the weights, the shuffling, the noise and the labelled subsets.</summary>
    public long Seed { get; init; }

    /// <summary>Training arithmetic.</summary>
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Auto;

    /// <summary>Where TorchSharp trains.</summary>
    public Device TrainingDevice { get; init; } = CPU;

    /// <summary>Where ONNX Runtime featurizes.</summary>
    public OnnxDevice FeaturizingDevice { get; init; } = new(null, false);
}

/// <summary>Where the experiment stopped.</summary>
/// <param name="Step">The training step it reached.</param>
/// <param name="Report">The evaluation and report; null when training was interrupted.</param>
public sealed record PaperResult(long Step, RunReportResult? Report);

/// <summary>
/// The DCGAN paper's CIFAR-10 experiment, resumable: train on the training images without labels for a budget (time or
/// epochs), export, evaluate every label budget against both baselines, report. Run again on the same run folder, it
/// continues where it stopped: training resumes from its checkpoint, and finished stages are kept
/// (<see cref="RunFolder.PaperStatePath"/> records them).
/// </summary>
public static class PaperExperiment
{
    /// <summary>How an error message names the dataset path setting (see <see cref="ISettingError"/>): the same setting as <see cref="TrainRequest.Data"/>.</summary>
    public const string DataPathSetting = nameof(TrainRequest.Data);

    /// <summary>What has been done, saved in the run folder after every stage.</summary>
    private sealed record PaperState(string Data, double TrainingSeconds, bool Trained, bool Exported);

    /// <summary>
    /// Runs or continues the experiment on the dataset at <paramref name="dataPath"/> (absolute) in <paramref name="run"/>;
    /// stops after saving its state when <paramref name="cancellation"/> interrupts training.
    /// </summary>
    public static PaperResult Run(RunFolder run, string dataPath, PaperOptions options, IWorkflowProgress progress, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var state = File.Exists(run.PaperStatePath) ? ReadState(run.PaperStatePath) : null;
        if (state is null && Directory.Exists(run.Root) && Directory.EnumerateFileSystemEntries(run.Root).Any())
            throw new InvalidSettingException(name => $"{name(RunFolder.SettingName)} {run.Root} is not empty and holds no paper run; choose another folder");
        if (state is not null && state.Data != dataPath)
            throw new InvalidSettingException(name => $"{name(RunFolder.SettingName)} {run.Root} was started on {state.Data}; pass the same {name(DataPathSetting)} to continue it");
        state ??= new PaperState(dataPath, 0, false, false);
        if (options.Budget.Time is { } more && more.TotalSeconds > state.TrainingSeconds + 1) state = state with { Trained = false, Exported = false };

        long seed = options.Seed;
        var model = new DcganConfig { Ngf = options.Ngf, Ndf = options.Ndf }.Validate();
        var splits = DatasetLoader.Load(dataPath, new DatasetLoadOptions
        {
            ImageSize = model.ImageSize, Channels = model.Channels, OnCorruptImage = CorruptImagePolicy.Fail, BuiltinSeed = (int)(seed & 0x7FFFFFFF),
        });
        if (splits.Test is null) throw new DatasetException(dataPath, "has no test split; the paper's protocol scores on the official test images");
        var device = options.TrainingDevice;
        var training = new TrainingOptions { Epochs = options.Budget.Epochs ?? 100_000, BatchSize = options.BatchSize, Seed = seed, Precision = options.Precision }.Validate();

        if (!state.Trained)
        {
            bool resume = run.Exists || new CheckpointStore(run).HasCheckpoints;
            var spent = TimeSpan.FromSeconds(state.TrainingSeconds);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            if (options.Budget.Time is { } limit) deadline.CancelAfter(limit - spent);
            progress.Notice($"{(resume ? "Continuing" : "Starting")} DCGAN training ({CheckpointStore.Describe(model)}) on {splits.Train.Count} unlabeled images, budget {options.Budget.Text}, on {device}");
            var result = TrainingStage.Run(progress, run, splits.Train, model, training, device, resume, deadline.Token, options.Budget.Time, spent);
            bool userStopped = cancellation.IsCancellationRequested;
            state = state with { TrainingSeconds = state.TrainingSeconds + result.Elapsed.TotalSeconds, Trained = !userStopped };
            WriteState(run.PaperStatePath, state);
            if (userStopped) return new PaperResult(result.Step, null);
        }
        if (!state.Exported || !File.Exists(run.DiscriminatorPath))
        {
            RunExport.Export(run, run.DiscriminatorPath);
            state = state with { Exported = true };
            WriteState(run.PaperStatePath, state);
        }
        var checkpoint = CheckpointStore.ReadState(new CheckpointStore(run).LatestPathOrNull()!);
        var evaluation = new EvaluationOptions { LabelsPerClass = options.LabelsPerClass, Repeats = options.Repeats, Seed = seed, AverageHorizontalFlip = options.AverageHorizontalFlip };
        var report = RunEvaluation.EvaluateAndReport(run, splits, evaluation, options.FeaturizingDevice,
        [
            ("dataset", $"{dataPath}: {splits.Train.Count} train (labels unused for training) / {splits.Test.Count} test images"),
            ("model", $"DCGAN {CheckpointStore.Describe(model)}, {model.FeatureLength:N0} features"),
            ("training", $"{checkpoint.Step} steps ({checkpoint.Step / (double)(splits.Train.Count / training.BatchSize):F1} epochs) in {state.TrainingSeconds:F0} s of training, budget {options.Budget.Text}, batch {training.BatchSize}, seed {seed}"),
            ("device", device.ToString()),
            ("precision", TrainingStage.DescribePrecision(run.ReadConfig().Training.Precision, training.Precision, device)),
        ], clock, progress);
        return new PaperResult(checkpoint.Step, report);
    }

    private static PaperState ReadState(string path)
    {
        try { return JsonSerializer.Deserialize<PaperState>(File.ReadAllText(path), RunFolder.Json) ?? throw new RunException(path, "is empty"); }
        catch (JsonException e) { throw new RunException(path, $"is corrupt ({e.Message})", e); }
    }

    private static void WriteState(string path, PaperState state) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(state, RunFolder.Json));
}
