using MlnetGan.Data;
using System.Text.Json.Serialization;

namespace MlnetGan.Gan;

/// <summary>The generator's objective in semi-supervised mode.</summary>
public enum GeneratorLossKind
{
    /// <summary>Match the mean of D's last block activations on real and generated batches (Salimans et al.'s choice for classification).</summary>
    FeatureMatching,

    /// <summary>Minimise -log D(G(z)).</summary>
    NonSaturating,
}

/// <summary>Hyper-parameters and bookkeeping of a training run; the defaults are the DCGAN paper's.</summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training images.</summary>
    public int Epochs { get; init; } = 5;

    /// <summary>Images per step; the last partial batch of an epoch is dropped.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Adam learning rate of both networks.</summary>
    public double LearningRate { get; init; } = 2e-4;

    /// <summary>
    /// The learning rate falls linearly to zero over the last this many epochs (0: constant), as in Salimans et al.'s
    /// semi-supervised CIFAR-10 code. The rate of every step follows from the step alone, so a resumed run replays it.
    /// </summary>
    public int LearningRateDecayEpochs { get; init; }

    /// <summary>
    /// DCGAN mode: the target of real images in the discriminator's loss. 1 is the DCGAN paper's; 0.9 is one-sided label
    /// smoothing (Salimans et al. 2016), which keeps D from growing over-confident on real images (fake targets stay 0).
    /// </summary>
    public double RealLabel { get; init; } = 1.0;

    /// <summary>Adam beta1.</summary>
    public double Beta1 { get; init; } = 0.5;

    /// <summary>Adam beta2.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Seed of the weights, the shuffling and the noise: the same seed gives the same run on the CPU.</summary>
    public long Seed { get; init; }

    /// <summary>A metrics row (means over the interval) is written every this many steps.</summary>
    public int MetricsEvery { get; init; } = 10;

    /// <summary>A checkpoint is written every this many steps (0: only at the end of each epoch and on interruption).</summary>
    public int CheckpointEvery { get; init; } = 500;

    /// <summary>How many of the newest checkpoints are kept.</summary>
    public int KeepCheckpoints { get; init; } = 2;

    /// <summary>Images in the per-epoch sample grid.</summary>
    public int SampleCount { get; init; } = 64;

    /// <summary>Semi-supervised mode: labelled training images per class (chosen class-balanced from the seed; the rest are used unlabelled).</summary>
    public int LabelsPerClass { get; init; }

    /// <summary>Semi-supervised mode: the generator's objective.</summary>
    public GeneratorLossKind GeneratorLoss { get; init; } = GeneratorLossKind.FeatureMatching;

    /// <summary>
    /// What the discriminator learns: <see cref="DiscriminatorMode.Dcgan"/> (real or generated, no labels: the default),
    /// <see cref="DiscriminatorMode.SemiSupervised"/> (K classes and generated, from <see cref="LabelsPerClass"/> labels per class
    /// and the unlabelled rest, Salimans et al. 2016) or <see cref="DiscriminatorMode.Supervised"/> (the same K-class
    /// discriminator by cross-entropy on the labelled batches alone, with no generator: the semi-supervised baseline).
    /// The K-class modes need a model whose <see cref="DcganConfig.NumClasses"/> is the dataset's class count; the DCGAN mode one without classes.
    /// </summary>
    public DiscriminatorMode Mode { get; init; } = DiscriminatorMode.Dcgan;

    /// <summary>Standard deviation of the Gaussian noise added to D's input images in training (0: none; see <see cref="DiscriminatorRegularization"/>).</summary>
    public double DiscriminatorInputNoise { get; init; }

    /// <summary>Dropout rate after each of D's blocks in training (0: none; see <see cref="DiscriminatorRegularization"/>).</summary>
    public double DiscriminatorDropout { get; init; }

    /// <summary>
    /// The number format training computes in (<see cref="TrainingPrecision"/>). The trainer resolves <see cref="TrainingPrecision.Auto"/>
    /// for its device and records the result in the run's config; a resumed run keeps it.
    /// </summary>
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Auto;

    /// <summary>The discriminator regularisation these options ask for.</summary>
    [JsonIgnore]
    public DiscriminatorRegularization Regularization => new(DiscriminatorInputNoise, DiscriminatorDropout);

    /// <summary>
    /// The learning rate of step <paramref name="step"/> (0-based) of a run with <paramref name="stepsPerEpoch"/> steps per
    /// epoch: <see cref="LearningRate"/> until the decay starts, then falling linearly, to a last step at LearningRate / decay steps.
    /// </summary>
    public double LearningRateAt(long step, long stepsPerEpoch)
    {
        if (LearningRateDecayEpochs == 0) return LearningRate;
        long decaySteps = LearningRateDecayEpochs * stepsPerEpoch;
        long remaining = Epochs * stepsPerEpoch - step;
        return LearningRate * Math.Clamp(remaining / (double)decaySteps, 0, 1);
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public TrainingOptions Validate()
    {
        Regularization.Validate();
        if (LabelsPerClass < 0) throw new ArgumentException($"labels per class must not be negative, not {LabelsPerClass}");
        if (!Enum.IsDefined(Mode)) throw new InvalidSettingException(name => $"{name(nameof(Mode))} {(int)Mode} is not a mode");
        if (Mode != DiscriminatorMode.Dcgan && LabelsPerClass < 1) throw new InvalidSettingException(name => $"{Mode.Name()} training needs {name(nameof(LabelsPerClass))} of at least 1");
        if (Epochs < 1) throw new ArgumentException($"epochs must be at least 1, not {Epochs}");
        if (BatchSize < 2) throw new ArgumentException($"batch size must be at least 2 (BatchNorm needs a batch), not {BatchSize}");
        if (!(LearningRate > 0)) throw new ArgumentException($"learning rate must be positive, not {LearningRate}");
        if (LearningRateDecayEpochs < 0 || LearningRateDecayEpochs > Epochs)
            throw new InvalidSettingException(name => $"learning-rate decay epochs ({name(nameof(LearningRateDecayEpochs))}) must lie between 0 and the {Epochs} epochs, not {LearningRateDecayEpochs}");
        if (!(RealLabel is > 0.5 and <= 1)) throw new InvalidSettingException(name => $"the real label ({name(nameof(RealLabel))}) must lie in (0.5, 1], not {RealLabel}");
        if (Beta1 is < 0 or >= 1 || Beta2 is < 0 or >= 1) throw new ArgumentException("Adam betas must lie in [0, 1)");
        if (MetricsEvery < 1) throw new ArgumentException($"metrics interval must be at least 1, not {MetricsEvery}");
        if (CheckpointEvery < 0) throw new ArgumentException($"checkpoint interval must not be negative, not {CheckpointEvery}");
        if (KeepCheckpoints < 1) throw new ArgumentException($"keep at least one checkpoint, not {KeepCheckpoints}");
        if (SampleCount < 1) throw new ArgumentException($"sample count must be at least 1, not {SampleCount}");
        return this;
    }
}
