using MlnetGan.Data;
using static TorchSharp.torch;

namespace MlnetGan.Gan.Tests;

public class TrainerTests
{
    private static readonly DcganConfig Small = new() { Ngf = 16, Ndf = 16, Nz = 32 };

    private static ImageDataset Shapes(int count) => BuiltinShapes.GenerateSplit(seed: 3, split: 0, count, 32, 3);

    private static TrainingOptions Options(int epochs) => new() { Epochs = epochs, BatchSize = 32, Seed = 11, MetricsEvery = 5, CheckpointEvery = 0, Precision = TrainingPrecision.Fp32 };

    [Theory]
    [InlineData(TrainingPrecision.Fp32)]
    [InlineData(TrainingPrecision.Bf16)]
    public void DiscriminatorLearnsToSeparateRealFromFakeEarlyAndLossesStayFinite(TrainingPrecision precision)
    {
        using var dir = new TempDirectory();
        var run = new RunFolder(dir.Path);

        var result = DcganTrainer.Train(Shapes(640), run, Small, Options(epochs: 10) with { Precision = precision }, CPU);

        Assert.Equal(200, result.Step);
        var rows = new MetricsLog(run.MetricsPath).Read();
        Assert.Equal(40, rows.Count);
        Assert.All(rows, r => Assert.True(double.IsFinite(r.LossD) && double.IsFinite(r.LossG)));
        var early = rows.Take(10).ToList();
        Assert.True(early.Average(r => r.DReal) > early.Average(r => r.DFakeBeforeUpdate) + 0.1,
            $"D(x) {early.Average(r => r.DReal):F3} is not above D(G(z)) {early.Average(r => r.DFakeBeforeUpdate):F3}");
        Assert.True(File.Exists(run.SamplePath(10)));
        Assert.True(File.Exists(run.ConfigPath));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void RealLabelOutsideHalfToOneIsNamed(double realLabel)
    {
        var error = Assert.Throws<InvalidSettingException>(() => (Options(1) with { RealLabel = realLabel }).Validate());
        Assert.Contains("(RealLabel)", error.Message);
    }

    [Fact]
    public void LabelSmoothingMovesOnlyTheRealTarget()
    {
        // The same weights, batch and noise: D's loss on real images with target 0.9 exceeds the loss with target 1 by
        // exactly the mean of 0.1 * logit (BCE(l, t) = softplus(l) - t * l); G's loss, computed after D's update, differs.
        var real = TensorImages.ToModelRange(TensorImages.DatasetTensor(Shapes(32), CPU));
        var noise = DcganTrainer.Noise(1, RandomStream.TrainingNoise, 0, 32, Small.Nz, CPU);
        (StepLosses Losses, double MeanRealLogit) Step(double realLabel)
        {
            using var g = new DcganGenerator(Small);
            using var d = new DcganDiscriminator(Small);
            using (var init = new Generator(5, CPU))
            {
                WeightInit.Apply(g, init);
                WeightInit.Apply(d, init);
            }
            double logit;
            using (no_grad()) logit = d.forward(real).mean().item<float>();
            using var optG = optim.Adam(g.parameters(), 2e-4, 0.5, 0.999);
            using var optD = optim.Adam(d.parameters(), 2e-4, 0.5, 0.999);
            return (new DcganStep(g, d, optG, optD, realLabel).Run(real, noise), logit);
        }

        var (plain, logit) = Step(1.0);
        var (smoothed, _) = Step(0.9);

        Assert.True(Math.Abs(logit) > 0.05, $"mean real logit {logit} too small to tell the targets apart");
        Assert.Equal(plain.LossD + 0.1 * logit, smoothed.LossD, 4);
        Assert.Equal(plain.DReal, smoothed.DReal, 6);
        Assert.NotEqual(plain.LossG, smoothed.LossG);
    }

    [Theory]
    [InlineData(TrainingPrecision.Fp32)]
    [InlineData(TrainingPrecision.Bf16)]
    public void ResumeAfterInterruptionMidEpochIsBitIdentical(TrainingPrecision precision)
    {
        var data = Shapes(192); // 6 steps per epoch
        var options = Options(epochs: 3) with { Precision = precision };
        using var straightDir = new TempDirectory();
        using var resumedDir = new TempDirectory();

        DcganTrainer.Train(data, new RunFolder(straightDir.Path), Small, options, CPU);

        using var cancel = new CancellationTokenSource();
        var stopAt = new StopAtStep(9, cancel);
        var first = DcganTrainer.Train(data, new RunFolder(resumedDir.Path), Small, options, CPU, progress: stopAt, cancellation: cancel.Token);
        Assert.True(first.Interrupted);
        Assert.Equal(9, first.Step);
        var second = DcganTrainer.Train(data, new RunFolder(resumedDir.Path), Small, options, CPU, resume: true);
        Assert.False(second.Interrupted);
        Assert.Equal(18, second.Step);

        AssertSameWeights(straightDir.Path, resumedDir.Path);
        // The interval that spans the interruption restarts its means on resume; the last interval (steps 16-18) matches.
        var straightLast = new MetricsLog(new RunFolder(straightDir.Path).MetricsPath).Read()[^1];
        var resumedLast = new MetricsLog(new RunFolder(resumedDir.Path).MetricsPath).Read()[^1];
        Assert.Equal((18L, straightLast.LossD, straightLast.LossG, straightLast.DReal), (resumedLast.Step, resumedLast.LossD, resumedLast.LossG, resumedLast.DReal));
    }

    /// <summary>
    /// Issue 18: a dataset packed on disk (read batch by batch, the next batch while the step runs) trains to exactly the
    /// weights the same images give in memory, straight through and when stopped mid-epoch and resumed.
    /// </summary>
    [Fact]
    public void APackedDatasetTrainsToTheSameWeightsAsInMemoryAlsoWhenResumed()
    {
        using var dir = new TempDirectory();
        // 200 images in batches of 32: 6 steps an epoch and 8 images left over, as most datasets leave some.
        var packedFolder = DatasetPacker.Pack(BuiltinShapes.Name, dir.Combine("packed"), new DatasetLoadOptions { BuiltinSeed = 3, BuiltinTrainCount = 200, BuiltinTestCount = 10 }).Folder;
        var packed = PackedDataset.Open(packedFolder).Train;
        Assert.True(packed.IsPacked);
        var options = Options(epochs: 2);

        DcganTrainer.Train(Shapes(200), new RunFolder(dir.Combine("memory")), Small, options, CPU);
        DcganTrainer.Train(packed, new RunFolder(dir.Combine("packed-straight")), Small, options, CPU);
        using var cancel = new CancellationTokenSource();
        var first = DcganTrainer.Train(packed, new RunFolder(dir.Combine("packed-resumed")), Small, options, CPU, progress: new StopAtStep(4, cancel), cancellation: cancel.Token);
        Assert.True(first.Interrupted);
        var second = DcganTrainer.Train(packed, new RunFolder(dir.Combine("packed-resumed")), Small, options, CPU, resume: true);
        Assert.Equal(12, second.Step);

        AssertSameWeights(dir.Combine("memory"), dir.Combine("packed-straight"));
        AssertSameWeights(dir.Combine("memory"), dir.Combine("packed-resumed"));
    }

    /// <summary>
    /// Adam's update is the learning rate times a direction that depends only on the gradients so far. Two runs that agree
    /// up to step 1 (decay over both epochs of a 2-step run: rates lr, lr/2) must then move D's weights by exactly half
    /// as much as the constant-rate run does.
    /// </summary>
    [Fact]
    public void LearningRateDecayScalesTheUpdatesAsScheduled()
    {
        var data = Shapes(32); // one step per epoch
        var options = Options(epochs: 2) with { CheckpointEvery = 1, KeepCheckpoints = 2 };
        using var constantDir = new TempDirectory();
        using var decayDir = new TempDirectory();
        DcganTrainer.Train(data, new RunFolder(constantDir.Path), Small, options, CPU);
        DcganTrainer.Train(data, new RunFolder(decayDir.Path), Small, options with { LearningRateDecayEpochs = 2 }, CPU);

        var start = DiscriminatorParameters(constantDir.Path, step: 1);
        Assert.Equal(start, DiscriminatorParameters(decayDir.Path, step: 1));
        var constant = DiscriminatorParameters(constantDir.Path, step: 2);
        var decayed = DiscriminatorParameters(decayDir.Path, step: 2);
        double largest = 0;
        for (int i = 0; i < start.Length; i++)
        {
            double full = constant[i] - start[i], half = decayed[i] - start[i];
            largest = Math.Max(largest, Math.Abs(full));
            // Both new weights are rounded to float32: allow two units in the last place of the weight (BatchNorm scales sit near 1).
            float ulp = MathF.BitIncrement(MathF.Abs(start[i])) - MathF.Abs(start[i]);
            Assert.True(Math.Abs(half - 0.5 * full) <= 1e-4 * Math.Abs(full) + 2 * ulp, $"parameter {i}: moved {half:G6} with decay, {full:G6} without");
        }
        Assert.True(largest > 1e-5, "the second step did not move the weights");
    }

    [Theory]
    [InlineData(0, 0, 2e-4)]
    [InlineData(4, 0, 2e-4)]
    [InlineData(4, 12, 2e-4)]
    [InlineData(4, 16, 1e-4)]
    [InlineData(4, 19, 2e-4 / 8)]
    public void LearningRateFallsLinearlyOverTheLastEpochs(int decayEpochs, long step, double expected)
    {
        var options = new TrainingOptions { Epochs = 10, LearningRate = 2e-4, LearningRateDecayEpochs = decayEpochs }.Validate();
        Assert.Equal(expected, options.LearningRateAt(step, stepsPerEpoch: 2), 1e-12);
    }

    [Fact]
    public void ExistingRunIsNotOverwrittenWithoutResume()
    {
        using var dir = new TempDirectory();
        var data = Shapes(64);
        DcganTrainer.Train(data, new RunFolder(dir.Path), Small, Options(1), CPU);

        var error = Assert.Throws<RunException>(() => DcganTrainer.Train(data, new RunFolder(dir.Path), Small, Options(1), CPU));

        Assert.Contains("already holds a training run", error.Message);
    }

    [Theory]
    [InlineData(TrainingPrecision.Fp32)]
    [InlineData(TrainingPrecision.Bf16)]
    public void DivergenceStopsWithAClearMessageAndKeepsTheLastGoodCheckpoint(TrainingPrecision precision)
    {
        using var dir = new TempDirectory();
        var run = new RunFolder(dir.Path);
        var data = Shapes(64);
        DcganTrainer.Train(data, run, Small, Options(1) with { Precision = precision }, CPU);
        var good = new CheckpointStore(run).LatestPathOrNull()!;

        // Resuming with an absurd learning rate overflows the weights to inf/NaN within a step (bf16 overflows where float32 does: same exponent range).
        var error = Assert.Throws<TrainingDivergedException>(() =>
            DcganTrainer.Train(data, run, Small, Options(50) with { LearningRate = 1e30, Precision = precision }, CPU, resume: true));

        Assert.Contains("training diverged at step 3", error.Message);
        Assert.Contains(good, error.Message);
        Assert.Equal(good, new CheckpointStore(run).LatestPathOrNull());
        using var d = new DcganDiscriminator(Small);
        CheckpointStore.Load(good, null, d);
        Assert.All(d.parameters(), p => Assert.True(p.isfinite().all().item<bool>()));
    }

    [Fact]
    public void CheckpointOfAnotherConfigurationIsRejected()
    {
        using var dir = new TempDirectory();
        var run = new RunFolder(dir.Path);
        DcganTrainer.Train(Shapes(64), run, Small, Options(1), CPU);
        using var other = new DcganDiscriminator(Small with { Ndf = 32 });

        var error = Assert.Throws<RunException>(() => CheckpointStore.Load(new CheckpointStore(run).LatestPathOrNull()!, null, other));

        Assert.Contains("was written for 32x32x3 nz=32 ngf=16 ndf=16, not 32x32x3 nz=32 ngf=16 ndf=32", error.Message);
    }

    [Fact]
    public void CorruptCheckpointIsNamed()
    {
        using var dir = new TempDirectory();
        var run = new RunFolder(dir.Path);
        DcganTrainer.Train(Shapes(64), run, Small, Options(1), CPU);
        var checkpoint = new CheckpointStore(run).LatestPathOrNull()!;
        var file = Path.Combine(checkpoint, "discriminator.bin");
        File.WriteAllBytes(file, File.ReadAllBytes(file)[..100]);
        using var d = new DcganDiscriminator(Small);

        var error = Assert.Throws<RunException>(() => CheckpointStore.Load(checkpoint, null, d));

        Assert.Contains(file, error.Message);
        Assert.Contains("is corrupt", error.Message);
    }

    [Fact]
    public void BatchLargerThanDatasetIsNamed()
    {
        using var dir = new TempDirectory();
        var error = Assert.Throws<InvalidSettingException>(() => DcganTrainer.Train(Shapes(20), new RunFolder(dir.Path), Small, Options(1), CPU));
        Assert.Contains("batch size 32 exceeds the 20 training images", error.Message);
    }

    private static float[] DiscriminatorParameters(string runPath, long step)
    {
        using var d = new DcganDiscriminator(Small);
        CheckpointStore.Load(Path.Combine(new RunFolder(runPath).CheckpointsPath, $"step-{step:D8}"), null, d);
        return d.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
    }

    private static void AssertSameWeights(string runA, string runB)
    {
        using var gA = new DcganGenerator(Small);
        using var dA = new DcganDiscriminator(Small);
        using var gB = new DcganGenerator(Small);
        using var dB = new DcganDiscriminator(Small);
        CheckpointStore.Load(new CheckpointStore(new RunFolder(runA)).LatestPathOrNull()!, gA, dA);
        CheckpointStore.Load(new CheckpointStore(new RunFolder(runB)).LatestPathOrNull()!, gB, dB);
        foreach (var (a, b) in new[] { (gA.state_dict(), gB.state_dict()), (dA.state_dict(), dB.state_dict()) })
        {
            Assert.Equal(a.Keys, b.Keys);
            foreach (var key in a.Keys) Assert.True(a[key].eq(b[key]).all().item<bool>(), $"{key} differs between the straight and the resumed run");
        }
    }

    private sealed class StopAtStep(long step, CancellationTokenSource cancel) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Step == step) cancel.Cancel();
        }
    }
}
