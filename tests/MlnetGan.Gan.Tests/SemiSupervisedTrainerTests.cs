using System.Text.Json.Nodes;
using MlnetGan.Data;
using static TorchSharp.torch;

namespace MlnetGan.Gan.Tests;

public class SemiSupervisedTrainerTests
{
    private static readonly DcganConfig Small = new() { Ngf = 16, Ndf = 16, Nz = 32, NumClasses = 10 };

    private static TrainingOptions Options(int epochs) => new() { Mode = DiscriminatorMode.SemiSupervised, Epochs = epochs, BatchSize = 32, Seed = 5, MetricsEvery = 2, CheckpointEvery = 0, LabelsPerClass = 4, Precision = TrainingPrecision.Fp32 };

    [Theory]
    [InlineData(0.0, 0.0, 0)]
    [InlineData(0.2, 0.3, 0)]
    [InlineData(0.0, 0.0, 1)]
    public void TrainsWithFiniteLossesAndResumesBitIdentically(double inputNoise, double dropout, int learningRateDecayEpochs)
    {
        var data = BuiltinShapes.GenerateSplit(seed: 3, split: 0, 192, 32, 3);
        var options = Options(2) with { DiscriminatorInputNoise = inputNoise, DiscriminatorDropout = dropout, LearningRateDecayEpochs = learningRateDecayEpochs };
        using var straight = new TempDirectory();
        using var resumed = new TempDirectory();

        DcganTrainer.Train(data, new RunFolder(straight.Path), Small, options, CPU);
        using var cancel = new CancellationTokenSource();
        var first = DcganTrainer.Train(data, new RunFolder(resumed.Path), Small, options, CPU, progress: new StopAt(7, cancel), cancellation: cancel.Token);
        DcganTrainer.Train(data, new RunFolder(resumed.Path), Small, options, CPU, resume: true);

        Assert.True(first.Interrupted);
        Assert.Equal(DiscriminatorMode.SemiSupervised, new RunFolder(straight.Path).ReadConfig().Mode);
        Assert.Equal(options, new RunFolder(straight.Path).ReadConfig().Training);
        Assert.All(new MetricsLog(new RunFolder(straight.Path).MetricsPath).Read(), r => Assert.True(double.IsFinite(r.LossD) && double.IsFinite(r.LossG)));
        using var a = new DcganDiscriminator(Small);
        using var b = new DcganDiscriminator(Small);
        CheckpointStore.Load(new CheckpointStore(new RunFolder(straight.Path)).LatestPathOrNull()!, null, a);
        CheckpointStore.Load(new CheckpointStore(new RunFolder(resumed.Path)).LatestPathOrNull()!, null, b);
        foreach (var (name, value) in a.state_dict()) Assert.True(value.eq(b.state_dict()[name]).all().item<bool>(), $"{name} differs after resume");
    }

    /// <summary>
    /// The unlabelled images must help: on the built-in shapes (2,000 training images, 100 labelled per class, 310 steps,
    /// chance 10 %) the semi-supervised discriminator classifies the held-out split better than the same network trained
    /// on the same labelled batches alone, for each of two training seeds and by at least 1.5 points on average. Measured
    /// (AMD family 26): seed 2 18.9 % vs 17.2 %, seed 3 18.6 % vs 16.4 %; an earlier CPU gave 21 % vs 17 % for seed 2,
    /// so one seed's gap moves by a point or two with the rounding of the arithmetic. The GAN terms are what differ.
    /// </summary>
    [Fact]
    public void SemiSupervisedBeatsSupervisedOnlyWithTheSameLabels()
    {
        var splits = BuiltinShapes.Generate(seed: 1, trainCount: 2000, testCount: 2000);
        var model = new DcganConfig { Ngf = 16, Ndf = 16, Nz = 64, NumClasses = 10 };
        long[] seeds = [2, 3];
        var runs = seeds.Select(seed =>
        {
            var options = new TrainingOptions { Mode = DiscriminatorMode.SemiSupervised, Epochs = 10, BatchSize = 64, LearningRate = 5e-4, Seed = seed, CheckpointEvery = 0, LabelsPerClass = 100, Precision = TrainingPrecision.Fp32 };
            return (SemiSupervised: TestAccuracy(splits, model, options), SupervisedOnly: TestAccuracy(splits, model, options with { Mode = DiscriminatorMode.Supervised }));
        }).ToList();

        double semiSupervised = runs.Average(r => r.SemiSupervised), supervisedOnly = runs.Average(r => r.SupervisedOnly);
        Assert.True(runs.All(r => r.SemiSupervised > r.SupervisedOnly) && semiSupervised >= supervisedOnly + 0.015 && semiSupervised > 0.15,
            $"semi-supervised {semiSupervised:P1} vs supervised-only {supervisedOnly:P1} on {splits.Test!.Count} held-out images, mean of seeds "
            + string.Join(", ", runs.Select((r, i) => $"{seeds[i]}: {r.SemiSupervised:P1} vs {r.SupervisedOnly:P1}")));
    }

    private static double TestAccuracy(DatasetSplits splits, DcganConfig model, TrainingOptions options)
    {
        using var dir = new TempDirectory();
        var run = new RunFolder(dir.Path);
        DcganTrainer.Train(splits.Train, run, model, options, CPU);
        var result = DiscriminatorClassifier.MeasureRun(run, splits.Test!, CPU);
        Assert.Equal(options.Mode, result.Mode);
        Assert.True(File.Exists(run.TestAccuracyPath));
        return result.Accuracy;
    }

    [Fact]
    public void MeasuredAccuracyCanUseRecomputedBatchNormStatistics()
    {
        var splits = BuiltinShapes.Generate(seed: 4, trainCount: 192, testCount: 300);
        using var dir = new TempDirectory();
        var run = new RunFolder(dir.Path);
        DcganTrainer.Train(splits.Train, run, Small, Options(1), CPU);

        var running = DiscriminatorClassifier.MeasureRun(run, splits.Test!, CPU);
        var recomputed = DiscriminatorClassifier.MeasureRun(run, splits.Test!, CPU, new BatchNormRecomputation(splits.Train, Batches: 3));

        using var d = new DcganDiscriminator(Small);
        CheckpointStore.Load(new CheckpointStore(run).LatestPathOrNull()!, null, d);
        Assert.Equal(DiscriminatorClassifier.Accuracy(d, splits.Test!, CPU), running.Accuracy);
        BatchNormStatistics.Recompute(d, splits.Train, BatchNormRecipe.Recompute(3, Options(1).BatchSize), Options(1).Seed, CPU);
        Assert.Equal(DiscriminatorClassifier.Accuracy(d, splits.Test!, CPU), recomputed.Accuracy);
        Assert.Equal(("running", "recompute:3"), (running.BatchNormStatistics, recomputed.BatchNormStatistics));
        Assert.Contains("recompute:3", File.ReadAllText(run.TestAccuracyPath));
    }

    [Fact]
    public void TooFewImagesForTheLabelBudgetIsNamed()
    {
        using var dir = new TempDirectory();
        var data = BuiltinShapes.GenerateSplit(seed: 3, split: 0, 64, 32, 3);
        var error = Assert.Throws<InvalidSettingException>(() => DcganTrainer.Train(data, new RunFolder(dir.Path), Small, Options(1) with { LabelsPerClass = 50 }, CPU));
        Assert.Contains("fewer than LabelsPerClass 50", error.Message);
    }

    [Theory]
    [InlineData(DiscriminatorMode.Supervised, true)]
    [InlineData(DiscriminatorMode.SemiSupervised, false)]
    [InlineData(DiscriminatorMode.Dcgan, null)]
    public void ConfigWrittenBeforeTheModeSettingKeepsItsMode(DiscriminatorMode mode, bool? supervisedOnly)
    {
        using var dir = new TempDirectory();
        var run = new RunFolder(dir.Path);
        var data = BuiltinShapes.GenerateSplit(seed: 3, split: 0, 64, 32, 3);
        DcganTrainer.Train(data, run, mode == DiscriminatorMode.Dcgan ? Small with { NumClasses = 0 } : Small, Options(1) with { Mode = mode }, CPU);
        // Before TrainingOptions.Mode, the mode was a string at the top level and supervised-only a flag of the training section.
        var json = JsonNode.Parse(File.ReadAllText(run.ConfigPath))!.AsObject();
        var training = json["training"]!.AsObject();
        Assert.Equal(mode.Name(), (string?)training["mode"]);
        training.Remove("mode");
        if (supervisedOnly is { } flag) training["supervisedOnly"] = flag;
        json["mode"] = mode.Name();
        File.WriteAllText(run.ConfigPath, json.ToJsonString());

        var config = run.ReadConfig();

        Assert.Equal((mode, mode), (config.Mode, config.Training.Mode));
        var resumed = DcganTrainer.Train(data, run, config.Model, config.Training with { Epochs = 2 }, CPU, resume: true);
        Assert.Equal(2 * (64 / 32), resumed.Step);
    }

    [Theory]
    [InlineData(DiscriminatorMode.Dcgan, 10, "the model has 10 classes, but Mode is dcgan (real or generated)")]
    [InlineData(DiscriminatorMode.SemiSupervised, 0, "Mode semi-supervised needs a model with the dataset's classes (NumClasses)")]
    [InlineData(DiscriminatorMode.Supervised, 0, "Mode supervised needs a model with the dataset's classes (NumClasses)")]
    public void ModeAndModelThatDisagreeAreNamed(DiscriminatorMode mode, int numClasses, string expected)
    {
        using var dir = new TempDirectory();
        var data = BuiltinShapes.GenerateSplit(seed: 3, split: 0, 64, 32, 3);

        var error = Assert.Throws<InvalidSettingException>(() => DcganTrainer.Train(data, new RunFolder(dir.Path), Small with { NumClasses = numClasses }, Options(1) with { Mode = mode }, CPU));

        Assert.StartsWith(expected, error.Message);
        Assert.False(File.Exists(Path.Combine(dir.Path, "config.json")));
    }

    [Fact]
    public void SupervisedOnlyWithoutLabelsIsNamed()
    {
        var error = Assert.Throws<InvalidSettingException>(() => new TrainingOptions { Mode = DiscriminatorMode.Supervised, LabelsPerClass = 0 }.Validate());
        Assert.Equal("supervised training needs LabelsPerClass of at least 1", error.Message);
    }

    private sealed class StopAt(long step, CancellationTokenSource cancel) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Step == step) cancel.Cancel();
        }
    }
}
