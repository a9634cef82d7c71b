using System.Diagnostics;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.ML;
using MlnetGan.Onnx;
using static TorchSharp.torch;

namespace MlnetGan.Workflows;

/// <summary>
/// Settings of the demo. The defaults spend the compute of the original demo (width 64, batch 128, 8 epochs: 312 steps)
/// on 2,340 smaller steps with one-sided label smoothing, which lets G learn the shapes.
/// </summary>
public sealed record DemoOptions
{
    /// <summary>Training epochs.</summary>
    public int Epochs { get; init; } = 30;

    /// <summary>Built-in training images (class-balanced).</summary>
    public int TrainImages { get; init; } = BuiltinShapes.DefaultTrainCount;

    /// <summary>Built-in test images.</summary>
    public int TestImages { get; init; } = BuiltinShapes.DefaultTestCount;

    /// <summary>How the built-in shapes are drawn: plain by default, where the demo's short training draws recognisable shapes (README).</summary>
    public BuiltinStyle Shapes { get; init; } = BuiltinStyle.Plain;

    /// <summary>ngf = ndf.</summary>
    public int Width { get; init; } = 32;

    /// <summary>Images per training step.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Lower the learning rate linearly to zero over the last this many epochs (0: constant).</summary>
    public int LearningRateDecayEpochs { get; init; }

    /// <summary>The discriminator's target for real images (0.9: one-sided label smoothing; 1: the DCGAN paper's).</summary>
    public double RealLabel { get; init; } = 0.9;

    /// <summary>Label budgets of the evaluation; null is every training image.</summary>
    public IReadOnlyList<int?> LabelsPerClass { get; init; } = [20, 100, null];

    /// <summary>Labelled subsets per budget.</summary>
    public int Repeats { get; init; } = 3;

    /// <summary>Seed of the dataset, the weights, the noise and the labelled subsets.</summary>
    public long Seed { get; init; }

    /// <summary>Training arithmetic.</summary>
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Auto;

    /// <summary>Where TorchSharp trains.</summary>
    public Device TrainingDevice { get; init; } = CPU;

    /// <summary>Where ONNX Runtime featurizes.</summary>
    public OnnxDevice FeaturizingDevice { get; init; } = new(null, false);
}

/// <summary>What the demo did.</summary>
/// <param name="Training">How training went.</param>
/// <param name="Report">The evaluation and report; null when training was interrupted.</param>
public sealed record DemoResult(TrainingResult Training, RunReportResult? Report);

/// <summary>
/// The whole pipeline on the built-in dataset (no download): train a DCGAN, export its discriminator, featurize with the
/// ML.NET featurizer, evaluate against raw pixels and an untrained D, and write the run's report.
/// </summary>
public static class DemoWorkflow
{
    /// <summary>Runs the demo into <paramref name="run"/>; stops after training when <paramref name="cancellation"/> interrupts it.</summary>
    public static DemoResult Run(RunFolder run, DemoOptions options, IWorkflowProgress progress, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        long seed = options.Seed;
        var model = new DcganConfig { Ngf = options.Width, Ndf = options.Width }.Validate();
        var training = new TrainingOptions
        {
            Epochs = options.Epochs, BatchSize = options.BatchSize, RealLabel = options.RealLabel, LearningRateDecayEpochs = options.LearningRateDecayEpochs, Seed = seed, CheckpointEvery = 0, Precision = options.Precision,
        }.Validate();
        var evaluation = new EvaluationOptions { LabelsPerClass = options.LabelsPerClass, Repeats = options.Repeats, Seed = seed };
        var device = options.TrainingDevice;
        var splits = BuiltinShapes.Generate((int)(seed & 0x7FFFFFFF), options.TrainImages, options.TestImages, style: options.Shapes);
        progress.Notice($"Demo: a DCGAN ({CheckpointStore.Describe(model)}) on {splits.Train.Count} built-in images, {training.Epochs} epochs, on {device} in {TrainingStage.DescribePrecision(TrainingPrecisions.Resolve(training.Precision, device), training.Precision, device)}; report in {run.Root}");

        var trained = TrainingStage.Run(progress, run, splits.Train, model, training, device, resume: false, cancellation);
        if (trained.Interrupted) return new DemoResult(trained, null);
        RunExport.Export(run, run.DiscriminatorPath);
        ImageDataset generated;
        using (var generator = Sampling.LoadGenerator(run))
            generated = Sampling.SampleDataset(generator, splits.Test!.Count, seed, training.BatchSize, splits.Train.ClassNames);
        var report = RunEvaluation.EvaluateAndReport(run, splits, evaluation, options.FeaturizingDevice,
        [
            ("dataset", $"built-in shapes ({options.Shapes.ToString().ToLowerInvariant()}), {splits.Train.Count} train / {splits.Test!.Count} test images, 10 classes"),
            ("model", $"DCGAN {CheckpointStore.Describe(model)}, {model.FeatureLength:N0} features"),
            ("training", $"{trained.Step} steps in {trained.Elapsed.TotalSeconds:F0} s ({trained.ImagesPerSecond:F0} images/s over the whole training), batch {training.BatchSize}, real label {training.RealLabel:0.##}, {(training.LearningRateDecayEpochs == 0 ? "constant learning rate" : $"learning rate decayed to 0 over the last {training.LearningRateDecayEpochs} epochs")}, seed {seed}, {ConvolutionFlops.TrainingStep(model, training.BatchSize) * trained.Step / 1e12:F1} TFLOP"),
            ("device", device.ToString()),
            ("precision", TrainingStage.DescribePrecision(trained.Precision, training.Precision, device)),
        ], clock, progress, generated);
        return new DemoResult(trained, report);
    }
}
