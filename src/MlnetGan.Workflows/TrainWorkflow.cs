using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.Onnx;
using static TorchSharp.torch;

namespace MlnetGan.Workflows;

/// <summary>What <see cref="TrainWorkflow.Run"/> trains, where, and what follows training.</summary>
public sealed record TrainRequest
{
    /// <summary>The run folder to write, or with <see cref="Resume"/> to continue.</summary>
    public required RunFolder Run { get; init; }

    /// <summary>The dataset: <c>builtin</c> or a path <see cref="DatasetLoader"/> reads. A resumed run takes its own unless <see cref="Data"/> is overridden.</summary>
    public string Data { get; init; } = BuiltinShapes.Name;

    /// <summary>The dataset's format; <see cref="DatasetFormat.Auto"/> detects it.</summary>
    public DatasetFormat Format { get; init; } = DatasetFormat.Auto;

    /// <summary>Image folders: leave undecodable files out with a warning instead of failing.</summary>
    public bool SkipCorruptImages { get; init; }

    /// <summary>The model. Its <see cref="DcganConfig.NumClasses"/> is set here: the dataset's class count in the K-class modes, 0 otherwise.</summary>
    public DcganConfig Model { get; init; } = new();

    /// <summary>The training settings, <see cref="TrainingOptions.Mode"/> included.</summary>
    public TrainingOptions Training { get; init; } = new();

    /// <summary>Continue the run from its latest intact checkpoint with the run's own dataset, model and settings, except those in <see cref="ResumeOverrides"/>.</summary>
    public bool Resume { get; init; }

    /// <summary>
    /// With <see cref="Resume"/>: the settings this request sets (names of <see cref="DcganConfig"/>, <see cref="TrainingOptions"/>
    /// and <see cref="TrainRequest"/> properties); every other one is the run's own. <see cref="TrainingOptions.Epochs"/>,
    /// <see cref="TrainingOptions.LearningRate"/>, <see cref="TrainingOptions.LearningRateDecayEpochs"/> and
    /// <see cref="TrainingOptions.Precision"/> may change a run, <see cref="Data"/> only with <see cref="AllowDifferentData"/>;
    /// a model setting or mode other than the run's is refused.
    /// </summary>
    public IReadOnlySet<string> ResumeOverrides { get; init; } = new HashSet<string>();

    /// <summary>Resume on a dataset whose fingerprint differs from the one the run recorded (refused otherwise).</summary>
    public bool AllowDifferentData { get; init; }

    /// <summary>Where TorchSharp trains.</summary>
    public Device Device { get; init; } = CPU;

    /// <summary>Export the discriminator to <see cref="RunFolder.DiscriminatorPath"/> when training ends.</summary>
    public bool Export { get; init; } = true;

    /// <summary>The BatchNorm statistics of the export and of a K-class run's test accuracy.</summary>
    public BatchNormSource BatchNormStatistics { get; init; } = new RunExportOptions().BatchNormStatistics;

    /// <summary>Training batches averaged when <see cref="BatchNormStatistics"/> recomputes them.</summary>
    public int BatchNormBatches { get; init; } = new RunExportOptions().BatchNormBatches;

    /// <summary>Receives one-line warnings: a corrupt image skipped, a checkpoint passed over, a restart from step 0.</summary>
    public Action<string>? Warning { get; init; }
}

/// <summary>How <see cref="TrainWorkflow.Run"/> ended.</summary>
/// <param name="Training">The trainer's result (interrupted or finished).</param>
/// <param name="Model">The model trained, after the resume merge.</param>
/// <param name="Options">The training settings used, after the resume merge, with the precision resolved.</param>
/// <param name="TestAccuracy">A K-class run's accuracy on the labelled test split, or null.</param>
/// <param name="ExportedModel">The exported discriminator, or null.</param>
public sealed record TrainOutcome(TrainingResult Training, DcganConfig Model, TrainingOptions Options, TestAccuracy? TestAccuracy, string? ExportedModel);

/// <summary>
/// <c>train</c> as a workflow: merge a resumed run's own settings with the ones overridden, load the dataset, train
/// (<see cref="TrainingStage"/>), then measure a K-class discriminator on the test split and export the discriminator.
/// The run folder stays locked from the first step to the export.
/// </summary>
public static class TrainWorkflow
{
    /// <summary>Runs <paramref name="request"/>; returns early, with <see cref="TrainingResult.Interrupted"/> set, when <paramref name="cancellation"/> interrupts training.</summary>
    public static TrainOutcome Run(IWorkflowProgress progress, TrainRequest request, CancellationToken cancellation)
    {
        var run = request.Run;
        var saved = request.Resume && run.Exists ? run.ReadConfig() : null;
        bool Keeps(string setting) => saved is not null && !request.ResumeOverrides.Contains(setting);

        var asked = request.Training.Validate();
        if (saved is not null && request.ResumeOverrides.Contains(nameof(TrainingOptions.Mode)) && asked.Mode != saved.Mode)
            throw new InvalidSettingException(name => $"{run.Root} is a {saved.Mode.Name()} run; pass {name(nameof(TrainingOptions.Mode))} {saved.Mode.Name()} to resume it (or leave it out)");
        var merged = saved is null ? asked : saved.Training with
        {
            // More epochs extend the run; a lower learning rate or another decay rescues a diverged one.
            Epochs = Keeps(nameof(TrainingOptions.Epochs)) ? saved.Training.Epochs : asked.Epochs,
            LearningRate = Keeps(nameof(TrainingOptions.LearningRate)) ? saved.Training.LearningRate : asked.LearningRate,
            LearningRateDecayEpochs = Keeps(nameof(TrainingOptions.LearningRateDecayEpochs)) ? saved.Training.LearningRateDecayEpochs : asked.LearningRateDecayEpochs,
            Precision = Keeps(nameof(TrainingOptions.Precision)) ? saved.Training.Precision : asked.Precision,
        };
        var options = merged.Validate() with { Precision = TrainingPrecisions.Resolve(merged.Precision, request.Device) };

        var data = Keeps(nameof(TrainRequest.Data)) ? saved!.Dataset.DataPath ?? saved.Dataset.Source : request.Data;
        var format = Keeps(nameof(TrainRequest.Format)) && Enum.TryParse<DatasetFormat>(saved!.Dataset.Format, out var savedFormat) ? savedFormat : request.Format;
        if (format == DatasetFormat.Auto) format = DatasetLoader.Detect(data);
        int ModelSetting(string setting, Func<DcganConfig, int> value) => Keeps(setting) ? value(saved!.Model) : value(request.Model);
        int imageSize = ModelSetting(nameof(DcganConfig.ImageSize), m => m.ImageSize), channels = ModelSetting(nameof(DcganConfig.Channels), m => m.Channels);
        var splits = DatasetLoader.Load(data, new DatasetLoadOptions
        {
            Format = format, ImageSize = imageSize, Channels = channels,
            OnCorruptImage = request.SkipCorruptImages ? CorruptImagePolicy.SkipWithWarning : CorruptImagePolicy.Fail,
            Warn = request.Warning, BuiltinSeed = (int)(options.Seed & 0x7FFFFFFF),
        });
        var model = new DcganConfig
        {
            ImageSize = imageSize, Channels = channels,
            Nz = ModelSetting(nameof(DcganConfig.Nz), m => m.Nz), Ngf = ModelSetting(nameof(DcganConfig.Ngf), m => m.Ngf), Ndf = ModelSetting(nameof(DcganConfig.Ndf), m => m.Ndf),
            NumClasses = options.Mode == DiscriminatorMode.Dcgan ? 0 : splits.Train.ClassNames.Count,
        }.Validate();
        if (saved is not null && saved.Model != model)
            throw new RunException(run.Root, $"was trained as {CheckpointStore.Describe(saved.Model)}, not {CheckpointStore.Describe(model)}; leave out the model settings that differ to resume it");

        // The run folder is this workflow's until it ends (training, test accuracy and export).
        using var runLock = RunLock.Acquire(run);
        progress.Notice($"Training {Describe(options)} ({CheckpointStore.Describe(model)}) on {splits.Train.Count} images from {splits.Train.Source} on {request.Device} "
            + $"in {TrainingStage.DescribePrecision(options.Precision, merged.Precision, request.Device)}, into {run.Root}");
        var start = new RunStartOptions
        {
            DataPath = format == DatasetFormat.Builtin ? BuiltinShapes.Name : Path.GetFullPath(data),
            DataFormat = format.ToString(),
            AllowDifferentData = request.AllowDifferentData,
            Notice = request.Warning,
        };
        var result = TrainingStage.Run(progress, run, splits.Train, model, options, request.Device, request.Resume, cancellation, start: start);
        if (result.Interrupted) return new TrainOutcome(result, model, options, null, null);

        TestAccuracy? accuracy = null;
        if (options.Mode != DiscriminatorMode.Dcgan && splits.Test is { } test && test.Labels.Any(l => l != ImageDataset.Unlabeled))
        {
            var batchNorm = request.BatchNormStatistics == BatchNormSource.Recompute ? new BatchNormRecomputation(splits.Train, request.BatchNormBatches) : null;
            accuracy = DiscriminatorClassifier.MeasureRun(run, test, request.Device, batchNorm);
        }
        string? exported = null;
        if (request.Export)
        {
            exported = run.DiscriminatorPath;
            RunExport.Export(run, exported, new RunExportOptions
            {
                BatchNormStatistics = request.BatchNormStatistics, BatchNormBatches = request.BatchNormBatches, Images = splits.Train, Device = request.Device,
            });
        }
        return new TrainOutcome(result, model, options, accuracy, exported);
    }

    /// <summary>What <paramref name="options"/> train, in words: "a DCGAN", "a semi-supervised GAN with 100 labels per class", ...</summary>
    public static string Describe(TrainingOptions options) => options.Mode switch
    {
        DiscriminatorMode.Supervised => $"a supervised-only discriminator on {options.LabelsPerClass} labels per class",
        DiscriminatorMode.SemiSupervised => $"a semi-supervised GAN with {options.LabelsPerClass} labels per class",
        _ => "a DCGAN",
    };
}
