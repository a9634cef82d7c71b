using System.Diagnostics;
using MlnetGan.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlnetGan.Gan;

/// <summary>A progress report, sent after every step.</summary>
public readonly record struct TrainingProgress(long Step, long TotalSteps, int Epoch, int Epochs, double ImagesPerSecond, double LossD, double LossG, double DReal, double DFakeBeforeUpdate);

/// <summary>How a call to <see cref="DcganTrainer.Train"/> ended, and the precision it trained in.</summary>
public sealed record TrainingResult(long Step, long TotalSteps, bool Interrupted, string? LatestCheckpoint, TimeSpan Elapsed, double ImagesPerSecond, TrainingPrecision Precision);

/// <summary>How <see cref="DcganTrainer.Train"/> records and checks the run folder, beyond the training options.</summary>
public sealed record RunStartOptions
{
    /// <summary>The dataset as the user named it (a full path, or <c>builtin</c>), recorded in the run's fingerprint.</summary>
    public string? DataPath { get; init; }

    /// <summary>The dataset's format, recorded in the run's fingerprint.</summary>
    public string? DataFormat { get; init; }

    /// <summary>Resume on a dataset whose fingerprint differs from the one the run recorded (refused otherwise).</summary>
    public bool AllowDifferentData { get; init; }

    /// <summary>Receives one-line notices about recovery: a checkpoint passed over, a missing <c>latest.json</c>, a restart from step 0.</summary>
    public Action<string>? Notice { get; init; }
}

/// <summary>
/// Trains a DCGAN as the PyTorch DCGAN tutorial does: per batch, update D on a real batch (target 1) and a generated
/// batch (target 0), then update G to make D call its batch real (target 1). BCE, Adam(2e-4, 0.5, 0.999).
/// Deterministic from the seed on the CPU: the epoch's shuffle and each step's noise come from generators seeded by
/// (seed, epoch) and (seed, step), so a resumed run replays exactly the same stream.
/// </summary>
public sealed class DcganTrainer
{
    /// <summary>The setting name of <see cref="Train"/>'s <c>resume</c> argument, for errors (see <see cref="ISettingError"/>).</summary>
    public const string ResumeSetting = "Resume";

    /// <summary>
    /// Trains (or, when <paramref name="run"/> holds a checkpoint and <paramref name="resume"/> is set, continues) on
    /// <paramref name="dataset"/> and writes config, metrics, TensorBoard events, sample grids and checkpoints into <paramref name="run"/>,
    /// holding the run's <see cref="RunLock"/> throughout. Resuming takes the newest checkpoint that passes its integrity
    /// check and refuses a dataset other than the run's unless <paramref name="start"/> allows it.
    /// Cancelling <paramref name="cancellation"/> writes a checkpoint and returns with <see cref="TrainingResult.Interrupted"/>.
    /// On Linux it tunes glibc's malloc for the process first (<see cref="NativeAllocator.TuneForTraining"/>).
    /// </summary>
    public static TrainingResult Train(ImageDataset dataset, RunFolder run, DcganConfig model, TrainingOptions options, Device device,
        bool resume = false, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default, RunStartOptions? start = null)
    {
        start ??= new RunStartOptions();
        model.Validate();
        options.Validate();
        NativeAllocator.TuneForTraining();
        if (dataset.Channels != model.Channels || dataset.Height != model.ImageSize || dataset.Width != model.ImageSize)
            throw new ArgumentException($"the dataset holds {dataset.Channels}x{dataset.Height}x{dataset.Width} images but the model expects {model.Channels}x{model.ImageSize}x{model.ImageSize}");
        if ((options.Mode == DiscriminatorMode.Dcgan) != (model.NumClasses == 0))
            throw new InvalidSettingException(name => options.Mode == DiscriminatorMode.Dcgan
                ? $"the model has {model.NumClasses} classes, but {name(nameof(TrainingOptions.Mode))} is {options.Mode.Name()} (real or generated); choose semi-supervised or supervised, or a model without classes"
                : $"{name(nameof(TrainingOptions.Mode))} {options.Mode.Name()} needs a model with the dataset's classes ({nameof(DcganConfig.NumClasses)}), not one without");
        if (dataset.Count < options.BatchSize)
            throw new InvalidSettingException(name => $"batch size {options.BatchSize} exceeds the {dataset.Count} training images; lower {name(nameof(TrainingOptions.BatchSize))}");

        using var runLock = RunLock.Acquire(run);
        var store = new CheckpointStore(run);
        store.RemoveOrphans();
        if (!resume && (run.Exists || store.HasCheckpoints))
            throw new RunException(run.Root, name => $"already holds a training run; pass {name(ResumeSetting)} to continue it or choose another {name(RunFolder.SettingName)}");
        var latest = resume ? store.FindResumable(start.Notice) : null;
        var saved = resume && run.Exists ? run.ReadConfig() : null;
        // A resumed run keeps the precision it was trained in unless one is named; auto is decided here, once, and recorded.
        options = options with { Precision = TrainingPrecisions.Resolve(options.Precision == TrainingPrecision.Auto && saved is not null ? saved.Training.Precision : options.Precision, device) };
        var datasetInfo = new DatasetInfo(dataset.Source, dataset.Count, dataset.ClassNames, start.DataPath, start.DataFormat);
        if (saved is not null && !start.AllowDifferentData && !saved.Dataset.SameDataAs(datasetInfo))
            throw new RunException(run.Root, name => $"was trained on {saved.Dataset.Describe()}, not {datasetInfo.Describe()}; resume without {name(nameof(RunStartOptions.DataPath))} to continue on the run's own dataset, or pass {name(nameof(RunStartOptions.AllowDifferentData))} to change it");
        if (saved is not null && latest is null)
            start.Notice?.Invoke($"{run.Root} holds no checkpoint (it was stopped before its first one); starting it again from step 0");

        using var labelled = options.Mode == DiscriminatorMode.Dcgan ? null : LabelledSubset.Create(dataset, model, options, device);
        string runId = saved?.RunId ?? Guid.NewGuid().ToString("N");
        run.WriteConfig(new RunConfig(model, options, datasetInfo, VersionInfo.Version, runId));

        using var generator = new DcganGenerator(model);
        using var discriminator = new DcganDiscriminator(model);
        using (var initGenerator = new torch.Generator(SeedMixer.Mix(options.Seed, (long)RandomStream.WeightInit), CPU))
        {
            WeightInit.Apply(generator, initGenerator);
            WeightInit.Apply(discriminator, initGenerator);
        }
        generator.to(device);
        discriminator.to(device);
        generator.ComputeType = discriminator.ComputeType = options.Precision.ComputeType();
        discriminator.Regularization = options.Regularization;
        using var optimizerG = optim.Adam(generator.parameters(), options.LearningRate, options.Beta1, options.Beta2);
        using var optimizerD = optim.Adam(discriminator.parameters(), options.LearningRate, options.Beta1, options.Beta2);
        ITrainingStep trainingStep = options.Mode switch
        {
            DiscriminatorMode.Supervised => new SupervisedStep(discriminator, optimizerD),
            DiscriminatorMode.SemiSupervised => new SemiSupervisedStep(generator, discriminator, optimizerG, optimizerD, options.GeneratorLoss),
            _ => new DcganStep(generator, discriminator, optimizerG, optimizerD, options.RealLabel),
        };

        long startStep = 0;
        if (latest is not null)
        {
            // The optimizer state restores the saved learning rate; the options' schedule wins (set every step below), so a diverged run can resume lower.
            startStep = CheckpointStore.Load(latest, generator, discriminator, optimizerG, optimizerD).Step;
        }
        var metrics = new MetricsLog(run.MetricsPath);
        metrics.TruncateAfter(startStep);
        TensorBoardLog.TruncateAfter(run.TensorBoardPath, startStep);
        var tensorBoard = new TensorBoardLog(run.TensorBoardPath);

        long stepsPerEpoch = dataset.Count / options.BatchSize;
        long totalSteps = stepsPerEpoch * options.Epochs;
        using var realBatches = new RealBatchReader(dataset, options.BatchSize);
        using var fixedNoise = FixedNoise(options.Seed, options.SampleCount, model.Nz, device);

        var clock = Stopwatch.StartNew();
        var intervalClock = Stopwatch.StartNew();
        var interval = new MetricsAccumulator();
        long step = startStep;
        long lastSaved = startStep;
        string? latestCheckpoint = latest;
        bool epochStarted = false;
        double imagesPerSecond = 0;

        while (step < totalSteps)
        {
            if (cancellation.IsCancellationRequested)
            {
                if (step > lastSaved) SaveCheckpoint();
                return Result(interrupted: true);
            }

            int epoch = (int)(step / stepsPerEpoch);
            long stepInEpoch = step % stepsPerEpoch;
            if (stepInEpoch == 0 || !epochStarted)
            {
                using var shuffle = new torch.Generator(SeedMixer.Mix(options.Seed, (long)RandomStream.Shuffle, epoch), CPU);
                using var permutation = randperm(dataset.Count, generator: shuffle);
                realBatches.StartEpoch(permutation.data<long>().ToArray());
                epochStarted = true;
            }

            double learningRate = options.LearningRateAt(step, stepsPerEpoch);
            SetLearningRate(optimizerG, learningRate);
            SetLearningRate(optimizerD, learningRate);
            if (discriminator.Regularization.IsActive) discriminator.SeedRegularization(SeedMixer.Mix(options.Seed, (long)RandomStream.Regularization, step));
            StepLosses losses;
            using (var scope = NewDisposeScope())
            {
                var batches = new StepBatches(
                    real: () => TensorImages.ToModelRange(realBatches.Take(stepInEpoch, device)),
                    noise: () => Noise(options.Seed, RandomStream.TrainingNoise, step, options.BatchSize, model.Nz, device),
                    labelled: labelled is null ? null : () => labelled.Batch(options.Seed, step, options.BatchSize));
                losses = trainingStep.Run(batches);
            }
            step++;

            if (!double.IsFinite(losses.LossD) || !double.IsFinite(losses.LossG))
                throw Diverged($"training diverged at step {step} (epoch {epoch + 1}): loss_D = {losses.LossD}, loss_G = {losses.LossG}.");

            interval.Add(losses);
            imagesPerSecond = (step - startStep) * (double)options.BatchSize / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
            progress?.Report(new TrainingProgress(step, totalSteps, epoch + 1, options.Epochs, imagesPerSecond, losses.LossD, losses.LossG, losses.DReal, losses.DFakeBeforeUpdate));

            if (step % options.MetricsEvery == 0 || step == totalSteps)
            {
                double rate = interval.Steps * (double)options.BatchSize / Math.Max(intervalClock.Elapsed.TotalSeconds, 1e-9);
                var row = interval.TakeRow(step, epoch + 1, rate);
                metrics.Append(row);
                tensorBoard.Append(row);
                intervalClock.Restart();
            }

            bool epochEnd = step % stepsPerEpoch == 0;
            if (epochEnd && trainingStep.TrainsGenerator)
            {
                var samples = run.SamplePath((int)(step / stepsPerEpoch));
                WriteSamples(generator, fixedNoise, samples, model);
                tensorBoard.AppendImage(samples, step);
            }
            if (epochEnd || (options.CheckpointEvery > 0 && step % options.CheckpointEvery == 0))
                SaveCheckpoint();
        }
        return Result(interrupted: false);

        // Only a checkpoint whose weights are finite becomes the latest (the last good one); non-finite weights end the run.
        void SaveCheckpoint()
        {
            lastSaved = step;
            var written = store.Save(new CheckpointState(step, (int)(step / stepsPerEpoch), model), generator, discriminator, optimizerG, optimizerD, options.KeepCheckpoints, runId);
            if (!written.WeightsFinite) throw Diverged($"training diverged by step {step}: the weights are no longer finite (the checkpoint {written.Path} is kept for inspection, marked as such).");
            latestCheckpoint = written.Path;
        }

        TrainingDivergedException Diverged(string what) => new(what + " " +
            (latestCheckpoint is null ? "No good checkpoint was written yet." : $"The last good checkpoint is kept at {latestCheckpoint}; lower the learning rate and resume from it."));

        TrainingResult Result(bool interrupted) => new(step, totalSteps, interrupted, latestCheckpoint, clock.Elapsed, imagesPerSecond, options.Precision);
    }

    /// <summary>The labelled images of a semi-supervised run, on the device, and the per-step batches drawn from them.</summary>
    private sealed class LabelledSubset : IDisposable
    {
        private readonly Tensor images;
        private readonly Tensor labels;

        private LabelledSubset(Tensor images, Tensor labels)
        {
            this.images = images;
            this.labels = labels;
        }

        /// <summary>Chooses <see cref="TrainingOptions.LabelsPerClass"/> images of every class, reproducibly from the seed.</summary>
        public static LabelledSubset Create(ImageDataset dataset, DcganConfig model, TrainingOptions options, Device device)
        {
            if (options.LabelsPerClass < 1) throw new InvalidSettingException(name => $"semi-supervised training needs {name(nameof(TrainingOptions.LabelsPerClass))} of at least 1");
            if (dataset.ClassNames.Count != model.NumClasses)
                throw new ArgumentException($"the model has {model.NumClasses} classes but the dataset has {dataset.ClassNames.Count}");
            var random = new Random(SeedMixer.MixToInt(options.Seed, (long)RandomStream.LabelledSubset));
            var chosen = new List<int>();
            for (int k = 0; k < model.NumClasses; k++)
            {
                var members = Enumerable.Range(0, dataset.Count).Where(i => dataset.Labels[i] == k).ToArray();
                if (members.Length < options.LabelsPerClass)
                    throw new InvalidSettingException(name => $"class '{dataset.ClassNames[k]}' has {members.Length} labelled training images, fewer than {name(nameof(TrainingOptions.LabelsPerClass))} {options.LabelsPerClass}");
                random.Shuffle(members);
                chosen.AddRange(members.Take(options.LabelsPerClass));
            }
            var subset = dataset.Subset(chosen);
            return new LabelledSubset(TensorImages.DatasetTensor(subset, device),
                TensorImages.MoveTo(tensor(subset.Labels.Select(l => (long)l).ToArray()), device));
        }

        /// <summary>The labelled batch of step <paramref name="step"/> (with replacement), scaled to [-1, 1].</summary>
        public (Tensor Images, Tensor Labels) Batch(long seed, long step, int batchSize)
        {
            using var draw = new torch.Generator(SeedMixer.Mix(seed, (long)RandomStream.LabelledBatch, step), CPU);
            var indices = TensorImages.MoveTo(randint(images.shape[0], [Math.Min(batchSize, images.shape[0])], generator: draw), images.device);
            return (TensorImages.ToModelRange(images.index_select(0, indices)), labels.index_select(0, indices));
        }

        public void Dispose()
        {
            images.Dispose();
            labels.Dispose();
        }
    }

    /// <summary>Latent noise [count, nz, 1, 1] from stream (<paramref name="stream"/>, <paramref name="index"/>) of <paramref name="seed"/>.</summary>
    public static Tensor Noise(long seed, RandomStream stream, long index, long count, long nz, Device device)
    {
        using var generator = new torch.Generator(SeedMixer.Mix(seed, (long)stream, index), CPU);
        return TensorImages.MoveTo(randn([count, nz, 1, 1], generator: generator), device);
    }

    /// <summary>The fixed noise a run samples its grids from (the same for every epoch of a run).</summary>
    public static Tensor FixedNoise(long seed, long count, long nz, Device device) => Noise(seed, RandomStream.FixedNoise, 0, count, nz, device);

    /// <summary>
    /// G(noise) as a PNG grid. G runs in training mode (batch statistics), as in the reference DCGAN code; G's running
    /// BatchNorm statistics are never used by MlnetGan.
    /// </summary>
    public static void WriteSamples(DcganGenerator generator, Tensor noise, string path, DcganConfig model)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var images = generator.forward(noise);
        int count = (int)noise.shape[0];
        ImageGrid.WritePng(TensorImages.ToBytes(images), count, model.Channels, model.ImageSize, columns: (int)Math.Ceiling(Math.Sqrt(count)), path);
    }

    private static void SetLearningRate(Adam optimizer, double learningRate)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
    }
}
