using MlnetGan.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MlnetGan.Gan.Tests;

/// <summary>A run folder is never silently corrupted, mixed or replaced: checkpoint integrity, the lock, metrics, recovery.</summary>
public class RunFolderReliabilityTests
{
    private static readonly DcganConfig Small = new() { Ngf = 16, Ndf = 16, Nz = 32 };

    private static ImageDataset Shapes(int count) => BuiltinShapes.GenerateSplit(seed: 3, split: 0, count, 32, 3);

    // 64 images, batch 32: two steps per epoch, a checkpoint at the end of each epoch.
    private static TrainingOptions Options(int epochs) => new() { Epochs = epochs, BatchSize = 32, Seed = 11, MetricsEvery = 1, CheckpointEvery = 0, Precision = TrainingPrecision.Fp32 };

    private static string Checkpoint(RunFolder run, long step) => Path.Combine(run.CheckpointsPath, $"step-{step:D8}");

    /// <summary>
    /// Overwrites a kilobyte of the data of <c>block3.conv.weight</c> (the largest tensor: 128 KB here), leaving every
    /// tensor name and shape intact, so that the file still loads.
    /// </summary>
    private static void OverwriteWeightBytes(string file, bool withNaN)
    {
        var bytes = File.ReadAllBytes(file);
        int name = bytes.AsSpan().IndexOf("block3.conv.weight"u8);
        Assert.True(name > 0, $"{file} holds no block3.conv.weight");
        var random = new Random(5);
        for (int i = name + 1024; i < name + 2048; i += 4)
        {
            if (withNaN) BitConverter.TryWriteBytes(bytes.AsSpan(i, 4), float.NaN);
            else BitConverter.TryWriteBytes(bytes.AsSpan(i, 4), (float)(random.NextDouble() * 2 - 1));
        }
        File.WriteAllBytes(file, bytes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CorruptLatestCheckpointIsPassedOverAndResumeStillMatchesAStraightRun(bool withNaN)
    {
        var data = Shapes(64);
        using var straightDir = new TempDirectory();
        using var dir = new TempDirectory();
        DcganTrainer.Train(data, new RunFolder(straightDir.Path), Small, Options(3), CPU);
        var run = new RunFolder(dir.Path);
        DcganTrainer.Train(data, run, Small, Options(2), CPU);
        var corrupt = Path.Combine(Checkpoint(run, 4), "discriminator.bin");
        OverwriteWeightBytes(corrupt, withNaN);
        var notices = new List<string>();

        var result = DcganTrainer.Train(data, run, Small, Options(3), CPU, resume: true, start: new RunStartOptions { Notice = notices.Add });

        Assert.Equal(6, result.Step);
        Assert.Contains(notices, n => n.Contains(corrupt) && n.Contains("is corrupt: its SHA-256 differs"));
        AssertSameWeights(straightDir.Path, dir.Path);
    }

    [Fact]
    public void CorruptCheckpointIsRefusedOnLoadNamingTheFile()
    {
        using var dir = new TempDirectory();
        var run = new RunFolder(dir.Path);
        DcganTrainer.Train(Shapes(64), run, Small, Options(1), CPU);
        var file = Path.Combine(Checkpoint(run, 2), "discriminator.bin");
        OverwriteWeightBytes(file, withNaN: true);
        using var d = new DcganDiscriminator(Small);

        var error = Assert.Throws<RunException>(() => CheckpointStore.Load(Checkpoint(run, 2), null, d));

        Assert.Equal($"{file}: is corrupt: its SHA-256 differs from the one recorded in manifest.json", error.Message);
    }

    /// <summary>
    /// A checkpoint whose weights are not finite is written (marked so in its manifest) but never becomes the latest, is
    /// never resumed from, and cannot make pruning delete the last good checkpoint, even when only one is kept.
    /// </summary>
    [Fact]
    public void NonFiniteWeightsNeverBecomeTheLastGoodCheckpointNorPruneIt()
    {
        using var dir = new TempDirectory();
        var run = new RunFolder(dir.Path);
        var store = new CheckpointStore(run);
        using var g = new DcganGenerator(Small);
        using var d = new DcganDiscriminator(Small);
        using var optimizerG = optim.Adam(g.parameters());
        using var optimizerD = optim.Adam(d.parameters());
        var good = store.Save(new CheckpointState(1, 0, Small), g, d, optimizerG, optimizerD, keep: 1, runId: "r");
        using (no_grad()) d.head.weight!.fill_(float.NaN);

        var bad = store.Save(new CheckpointState(2, 0, Small), g, d, optimizerG, optimizerD, keep: 1, runId: "r");

        Assert.True(good.WeightsFinite);
        Assert.False(bad.WeightsFinite);
        Assert.Equal(good.Path, store.LatestPathOrNull());
        Assert.True(Directory.Exists(good.Path), "the last good checkpoint was pruned");
        Assert.Contains("holds non-finite weights", Assert.Throws<RunException>(() => CheckpointStore.Verify(bad.Path)).Message);
        File.Delete(Path.Combine(run.CheckpointsPath, "latest.json"));
        var notices = new List<string>();
        Assert.Equal(good.Path, store.FindResumable(notices.Add));
        Assert.Contains(notices, n => n.StartsWith($"{bad.Path}: holds non-finite weights", StringComparison.Ordinal));
    }

    /// <summary>The case: weights overflowing to NaN; the message must name a checkpoint whose weights are finite.</summary>
    [Fact]
    public void DivergenceMessageNamesACheckpointWithFiniteWeights()
    {
        using var dir = new TempDirectory();
        var run = new RunFolder(dir.Path);
        var data = Shapes(64);
        var options = Options(1) with { CheckpointEvery = 1, KeepCheckpoints = 1 };
        DcganTrainer.Train(data, run, Small, options, CPU);

        var error = Assert.Throws<TrainingDivergedException>(() =>
            DcganTrainer.Train(data, run, Small, options with { Epochs = 50, LearningRate = 1e30 }, CPU, resume: true));

        var named = new CheckpointStore(run).LatestPathOrNull()!;
        Assert.Contains($"The last good checkpoint is kept at {named};", error.Message);
        using var d = new DcganDiscriminator(Small);
        CheckpointStore.Load(named, null, d);
        Assert.All(d.parameters(), p => Assert.True(p.isfinite().all().item<bool>()));
    }

    [Fact]
    public void PartialMetricsLineDoesNotBlockResumeAndLeavesNoDuplicates()
    {
        var data = Shapes(64);
        using var dir = new TempDirectory();
        var run = new RunFolder(dir.Path);
        DcganTrainer.Train(data, run, Small, Options(1), CPU);
        File.AppendAllText(run.MetricsPath, "3,2,0.69"); // a crash in the middle of writing the row of step 3

        DcganTrainer.Train(data, run, Small, Options(2), CPU, resume: true);

        var lines = File.ReadAllLines(run.MetricsPath);
        Assert.Equal(MetricsLog.Header, lines[0]);
        Assert.All(lines.Skip(1), l => Assert.Equal(8, l.Split(',').Length));
        Assert.Equal([1L, 2, 3, 4], new MetricsLog(run.MetricsPath).Read().Select(r => r.Step));
    }

    [Fact]
    public void MissingLatestJsonResumesFromTheNewestIntactCheckpoint()
    {
        var data = Shapes(64);
        using var straightDir = new TempDirectory();
        using var dir = new TempDirectory();
        DcganTrainer.Train(data, new RunFolder(straightDir.Path), Small, Options(3), CPU);
        var run = new RunFolder(dir.Path);
        DcganTrainer.Train(data, run, Small, Options(2), CPU);
        File.Delete(Path.Combine(run.CheckpointsPath, "latest.json"));
        var notices = new List<string>();

        var result = DcganTrainer.Train(data, run, Small, Options(3), CPU, resume: true, start: new RunStartOptions { Notice = notices.Add });

        Assert.Equal(6, result.Step);
        Assert.Contains(notices, n => n.Contains("latest.json is missing; resuming from the newest intact checkpoint"));
        AssertSameWeights(straightDir.Path, dir.Path);
    }

    [Fact]
    public void InterruptionBeforeTheFirstStepSavesNothingAndResumeStartsAgain()
    {
        var data = Shapes(64);
        using var dir = new TempDirectory();
        var run = new RunFolder(dir.Path);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        var interrupted = DcganTrainer.Train(data, run, Small, Options(1), CPU, cancellation: cancel.Token);
        Assert.True(interrupted.Interrupted);
        Assert.Null(interrupted.LatestCheckpoint);
        var notices = new List<string>();
        var resumed = DcganTrainer.Train(data, run, Small, Options(1), CPU, resume: true, start: new RunStartOptions { Notice = notices.Add });

        Assert.Equal(2, resumed.Step);
        Assert.Contains(notices, n => n.Contains("holds no checkpoint") && n.Contains("starting it again from step 0"));
    }

    [Fact]
    public void OrphanTemporaryCheckpointFoldersAreRemovedOnTheNextStart()
    {
        var data = Shapes(64);
        using var dir = new TempDirectory();
        var run = new RunFolder(dir.Path);
        DcganTrainer.Train(data, run, Small, Options(1), CPU);
        var orphan = Path.Combine(run.CheckpointsPath, ".step-00000003.0123456789abcdef.tmp");
        Directory.CreateDirectory(orphan);
        File.WriteAllText(Path.Combine(orphan, "generator.bin"), "half");
        var orphanConfig = Path.Combine(run.Root, ".config.json.123.abc.tmp");
        File.WriteAllText(orphanConfig, "{");

        DcganTrainer.Train(data, run, Small, Options(2), CPU, resume: true);

        Assert.False(Directory.Exists(orphan));
        Assert.False(File.Exists(orphanConfig));
    }

    [Fact]
    public void RunFolderLockedByAnotherHolderIsRefusedNamingIt()
    {
        using var dir = new TempDirectory();
        var run = new RunFolder(dir.Path);
        // Another open file description holding the lock, as another process would.
        using var other = new FileStream(Path.Combine(run.Root, RunLock.FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

        var error = Assert.Throws<RunException>(() => DcganTrainer.Train(Shapes(64), run, Small, Options(1), CPU));

        Assert.Equal($"{run.Root}: is in use by another process (it holds {Path.Combine(run.Root, RunLock.FileName)}); wait for it to finish or choose another RunFolder", error.Message);
        Assert.False(run.Exists);
    }

    [Fact]
    public void ResumeOnAnotherDatasetIsRefusedUnlessAllowed()
    {
        using var dir = new TempDirectory();
        var run = new RunFolder(dir.Path);
        DcganTrainer.Train(Shapes(64), run, Small, Options(1), CPU);
        var smaller = Shapes(96);

        var error = Assert.Throws<RunException>(() => DcganTrainer.Train(smaller, run, Small, Options(2), CPU, resume: true));
        Assert.Contains("was trained on builtin (64 training images), not builtin (96 training images); resume without DataPath", error.Message);
        Assert.Equal(64, run.ReadConfig().Dataset.TrainCount);

        DcganTrainer.Train(smaller, run, Small, Options(2), CPU, resume: true, start: new RunStartOptions { AllowDifferentData = true });
        Assert.Equal(96, run.ReadConfig().Dataset.TrainCount);
    }

    [Fact]
    public void RunIdIsKeptOnResumeAndCopiedIntoEveryCheckpoint()
    {
        var data = Shapes(64);
        using var dir = new TempDirectory();
        var run = new RunFolder(dir.Path);
        DcganTrainer.Train(data, run, Small, Options(1), CPU);
        var runId = run.ReadConfig().RunId;
        DcganTrainer.Train(data, run, Small, Options(2), CPU, resume: true);

        Assert.NotNull(runId);
        Assert.Equal(runId, run.ReadConfig().RunId);
        Assert.Equal(runId, CheckpointStore.ReadManifest(Checkpoint(run, 2))!.RunId);
        Assert.Equal(runId, CheckpointStore.ReadManifest(Checkpoint(run, 4))!.RunId);
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
}
