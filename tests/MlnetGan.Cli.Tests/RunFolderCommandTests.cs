using System.Diagnostics;
using MlnetGan.Data;
using MlnetGan.Gan;

namespace MlnetGan.Cli.Tests;

/// <summary>
/// The run folder through the real executable: one process at a time, resume on the run's own dataset and settings,
/// export with the right provenance, and kill -9 at random points ending bit-identical to an uninterrupted run.
/// </summary>
public class RunFolderCommandTests
{
    private static readonly string[] Tiny = ["--ngf", "8", "--ndf", "8", "--nz", "16", "--batch-size", "8", "--device", "cpu", "--no-export"];

    /// <summary>A CIFAR-10 binary folder of <paramref name="imagesPerBatch"/> x 5 built-in images (seed <paramref name="seed"/>).</summary>
    private static string WriteTinyCifar(TempDirectory dir, string name, int imagesPerBatch = 8, int seed = 1)
    {
        var folder = dir.Combine(name);
        var images = BuiltinShapes.GenerateSplit(seed, 0, 5 * imagesPerBatch, 32, 3);
        for (int b = 0; b < 5; b++)
            CifarBinaryReader.WriteBatch(images.Subset(Enumerable.Range(b * imagesPerBatch, imagesPerBatch).ToArray()), Path.Combine(folder, CifarBinaryReader.TrainFileNames[b]));
        return folder;
    }

    private static void AssertSucceeded(ChildProcess.Result result) => Assert.True(result.ExitCode == 0, result.All);

    [Fact]
    public void ResumeWithoutDataOrModelOptionsContinuesOnTheRunsOwnDatasetAndModel()
    {
        using var dir = new TempDirectory();
        var data = WriteTinyCifar(dir, "cifar");
        var run = dir.Combine("run");
        AssertSucceeded(CliRunner.Run(["train", "--data", data, "--out", run, "--epochs", "1", .. Tiny]));

        var resumed = CliRunner.Run("train", "--out", run, "--resume", "--epochs", "2", "--device", "cpu", "--no-export");

        AssertSucceeded(resumed);
        Assert.DoesNotContain("model options", resumed.All);
        var config = new RunFolder(run).ReadConfig();
        Assert.Equal((data, "CifarBinary", 40), (config.Dataset.DataPath, config.Dataset.Format, config.Dataset.TrainCount));
        Assert.Equal(8, config.Model.Ngf);
        Assert.Equal([5L, 10], new MetricsLog(new RunFolder(run).MetricsPath).Read().Select(r => r.Step));
    }

    [Fact]
    public void ResumeOnAnotherDatasetIsRefusedUnlessAllowed()
    {
        using var dir = new TempDirectory();
        var data = WriteTinyCifar(dir, "cifar");
        var other = WriteTinyCifar(dir, "other", imagesPerBatch: 16, seed: 2);
        var run = dir.Combine("run");
        AssertSucceeded(CliRunner.Run(["train", "--data", data, "--out", run, "--epochs", "1", .. Tiny]));

        var refused = CliRunner.Run(["train", "--data", other, "--out", run, "--resume", "--epochs", "2", .. Tiny]);

        Assert.Equal(1, refused.ExitCode);
        Assert.Equal($"error: {run}: was trained on {data} (CifarBinary, 40 training images), not {other} (CifarBinary, 80 training images); " +
            "resume without --data to continue on the run's own dataset, or pass --allow-different-data to change it", refused.Error.Trim());
        Assert.Equal(data, new RunFolder(run).ReadConfig().Dataset.DataPath);

        AssertSucceeded(CliRunner.Run(["train", "--data", other, "--out", run, "--resume", "--epochs", "2", "--allow-different-data", .. Tiny]));
        Assert.Equal(other, new RunFolder(run).ReadConfig().Dataset.DataPath);
    }

    [Fact]
    public void CorruptCheckpointIsReportedInOneLineAndThePreviousOneIsUsed()
    {
        using var dir = new TempDirectory();
        var data = WriteTinyCifar(dir, "cifar");
        var run = dir.Combine("run");
        AssertSucceeded(CliRunner.Run(["train", "--data", data, "--out", run, "--epochs", "2", "--checkpoint-every", "0", .. Tiny]));
        var corrupt = Path.Combine(run, "checkpoints", "step-00000010", "discriminator.bin");
        // Weight bytes inside block3.conv.weight's data (32 KB here), names and shapes intact.
        var bytes = File.ReadAllBytes(corrupt);
        bytes.AsSpan(bytes.AsSpan().IndexOf("block3.conv.weight"u8) + 1024, 512).Fill(0x7F);
        File.WriteAllBytes(corrupt, bytes);

        var resumed = CliRunner.Run("train", "--out", run, "--resume", "--epochs", "3", "--device", "cpu", "--no-export");

        AssertSucceeded(resumed);
        Assert.Contains($"warning: {corrupt}: is corrupt: its SHA-256 differs from the one recorded in manifest.json; passing over this checkpoint for the previous one", resumed.Error);
        Assert.Equal(15, CheckpointStore.ReadState(new CheckpointStore(new RunFolder(run)).LatestPathOrNull()!).Step);
    }

    [Fact]
    public void ExportRefusesACheckpointOfAnotherRun()
    {
        using var dir = new TempDirectory();
        var data = WriteTinyCifar(dir, "cifar");
        var runA = dir.Combine("a");
        var runB = dir.Combine("b");
        AssertSucceeded(CliRunner.Run(["train", "--data", data, "--out", runA, "--epochs", "1", .. Tiny]));
        AssertSucceeded(CliRunner.Run(["train", "--data", data, "--out", runB, "--epochs", "1", "--seed", "7", .. Tiny]));
        var foreign = Path.Combine(runB, "checkpoints", "step-00000005");

        var result = CliRunner.Run("export", "--run", runA, "--checkpoint", foreign, "--out", dir.Combine("a.onnx"), "--device", "cpu");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"error: {foreign}: belongs to another run", result.Error.Trim());
        Assert.Contains($"not to {runA}", result.Error);
        Assert.False(File.Exists(dir.Combine("a.onnx")));
    }

    /// <summary>
    /// While one process trains into a folder, a second `train` or `train --resume` on it is refused naming the folder;
    /// once the first is killed (kill -9: no clean-up), its stale lock does not block the resume.
    /// </summary>
    [Fact]
    public void SecondProcessOnTheSameRunFolderIsRefusedAndAKilledOwnerDoesNotBlockResume()
    {
        using var dir = new TempDirectory();
        var data = WriteTinyCifar(dir, "cifar");
        var run = dir.Combine("run");
        using (var owner = StartCli(["train", "--data", data, "--out", run, "--epochs", "100000", "--checkpoint-every", "3", .. Tiny]))
        {
            WaitFor(() => File.Exists(Path.Combine(run, "config.json")), owner);

            var second = CliRunner.Run(["train", "--data", data, "--out", run, "--epochs", "1", .. Tiny]);
            var resume = CliRunner.Run(["train", "--data", data, "--out", run, "--epochs", "1", "--resume", .. Tiny]);

            Assert.False(owner.HasExited, "the owner stopped before the second process was tried");
            owner.Kill(entireProcessTree: true);
            owner.WaitForExit();
            foreach (var refused in new[] { second, resume })
            {
                Assert.Equal(1, refused.ExitCode);
                Assert.Equal($"error: {run}: is in use by another process (it holds {Path.Combine(run, RunLock.FileName)}); wait for it to finish or choose another --out", refused.Error.Trim());
            }
        }

        var after = CliRunner.Run("train", "--out", run, "--resume", "--epochs", "1", "--device", "cpu", "--no-export");
        AssertSucceeded(after);
    }

    /// <summary>
    /// Fault injection: the training process is killed (SIGKILL) at seeded random moments three times, resumed each time,
    /// and must end with exactly the weights and optimizer state of a run that was never interrupted.
    /// </summary>
    [Fact]
    public void KilledAtRandomMomentsThenResumedEndsBitIdenticalToAnUninterruptedRun()
    {
        using var dir = new TempDirectory();
        var data = WriteTinyCifar(dir, "cifar");
        string[] Command(string run) => ["train", "--data", data, "--out", run, "--epochs", "4", "--checkpoint-every", "3", "--resume", .. Tiny];
        var straight = dir.Combine("straight");
        var killed = dir.Combine("killed");
        AssertSucceeded(CliRunner.Run(Command(straight)));

        var random = new Random(20261202);
        for (int kill = 0; kill < 3; kill++)
        {
            using var training = new ManualResetEventSlim();
            using var child = StartCli(Command(killed), line => { if (line.StartsWith("Training a", StringComparison.Ordinal)) training.Set(); });
            WaitFor(() => training.IsSet, child);
            Thread.Sleep(random.Next(0, 1000));
            if (!child.HasExited) child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }
        AssertSucceeded(CliRunner.Run(Command(killed)));

        var final = Path.Combine("checkpoints", "step-00000020");
        foreach (var file in new[] { "generator.bin", "discriminator.bin", "optimizer_g.bin", "optimizer_d.bin" })
            Assert.True(File.ReadAllBytes(Path.Combine(straight, final, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(killed, final, file))), $"{file} differs from the uninterrupted run's");
        var steps = new MetricsLog(new RunFolder(killed).MetricsPath).Read().Select(r => r.Step).ToList();
        Assert.Equal(steps.Distinct().Order(), steps);
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(killed, "checkpoints"), ".step-*"));
    }

    /// <summary>Starts the built <c>mlnetgan</c> in the background, its output drained so that it never blocks.</summary>
    private static Process StartCli(string[] args, Action<string>? onOutputLine = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mlnetgan.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) onOutputLine?.Invoke(e.Data); };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails if <paramref name="child"/> ends first or after three minutes.</summary>
    private static void WaitFor(Func<bool> condition, Process child)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (!condition())
        {
            Assert.False(child.HasExited && !condition(), $"the child process ended (exit code {(child.HasExited ? child.ExitCode : 0)}) before it started training");
            Assert.True(DateTime.UtcNow < deadline, "the child process did not start training within three minutes");
            Thread.Sleep(20);
        }
    }
}
