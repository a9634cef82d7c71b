using MlnetGan.Data;

namespace MlnetGan.Cli.Tests;

public class TrainCommandTests
{
    internal static readonly string[] Tiny = ["--ngf", "8", "--ndf", "8", "--nz", "16", "--batch-size", "8", "--device", "cpu"];

    private static string WriteTinyCifar(TempDirectory dir)
    {
        var folder = dir.Combine("cifar");
        var images = BuiltinShapes.GenerateSplit(1, 0, 40, 32, 3);
        for (int b = 0; b < 5; b++)
            CifarBinaryReader.WriteBatch(images.Subset(Enumerable.Range(b * 8, 8).ToArray()), Path.Combine(folder, CifarBinaryReader.TrainFileNames[b]));
        return folder;
    }

    [Fact]
    public void HelpExplainsTheTrainCommand()
    {
        var result = CliRunner.Run("train", "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--resume", result.Output);
        Assert.Contains("Train a DCGAN", result.Output);
    }

    [Fact]
    public void PrecisionIsPrintedRecordedKeptOnResumeAndChecked()
    {
        using var dir = new TempDirectory();
        var data = WriteTinyCifar(dir);
        var run = dir.Combine("run");

        var first = CliRunner.Run(["train", "--data", data, "--out", run, "--epochs", "1", "--precision", "bf16", "--no-export", .. Tiny]);
        Assert.True(first.ExitCode == 0, first.All);
        // Spectre wraps long lines at the console width, so compare with the line breaks folded into spaces.
        static string Folded(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ");
        Assert.Contains(" in bf16, into ", Folded(first.Output));
        Assert.Contains("\"precision\": \"bf16\"", File.ReadAllText(Path.Combine(run, "config.json")));

        var resumed = CliRunner.Run(["train", "--out", run, "--epochs", "2", "--resume", "--no-export", .. Tiny]);
        Assert.True(resumed.ExitCode == 0, resumed.All);
        Assert.Contains(" in bf16, into ", Folded(resumed.Output));
        Assert.Contains("\"precision\": \"bf16\"", File.ReadAllText(Path.Combine(run, "config.json")));

        var auto = CliRunner.Run(["train", "--data", data, "--out", dir.Combine("auto"), "--epochs", "1", "--no-export", .. Tiny]);
        Assert.True(auto.ExitCode == 0, auto.All);
        Assert.Matches(@" in (bf16|fp32) \(auto: ", Folded(auto.Output));

        var bad = CliRunner.Run(["train", "--data", data, "--out", dir.Combine("bad"), "--precision", "fp16", .. Tiny]);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("--precision", bad.Error);
        Assert.False(Directory.Exists(dir.Combine("bad")));
    }

    [Fact]
    public void TrainsOnCifarBinaryThenRefusesToOverwriteThenResumes()
    {
        using var dir = new TempDirectory();
        var data = WriteTinyCifar(dir);
        var run = dir.Combine("run");

        var first = CliRunner.Run(["train", "--data", data, "--out", run, "--epochs", "1", "--lr", "0.0005", "--lr-decay-epochs", "1", .. Tiny]);
        Assert.True(first.ExitCode == 0, first.All);
        Assert.True(File.Exists(Path.Combine(run, "config.json")));
        Assert.True(File.Exists(Path.Combine(run, "metrics.csv")));
        Assert.True(File.Exists(Path.Combine(run, "samples", "epoch-001.png")));
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", "latest.json")));

        var again = CliRunner.Run(["train", "--data", data, "--out", run, "--epochs", "1", .. Tiny]);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already holds a training run; pass --resume", again.Error);

        var resumed = CliRunner.Run(["train", "--data", data, "--out", run, "--epochs", "2", "--resume", .. Tiny]);
        Assert.True(resumed.ExitCode == 0, resumed.All);
        Assert.True(File.Exists(Path.Combine(run, "samples", "epoch-002.png")));
        // Options not named on the resuming command line keep the run's values, the ones named replace them.
        var training = new MlnetGan.Gan.RunFolder(run).ReadConfig().Training;
        Assert.Equal((2, 0.0005, 1), (training.Epochs, training.LearningRate, training.LearningRateDecayEpochs));
        var changed = CliRunner.Run(["train", "--data", data, "--out", run, "--epochs", "3", "--resume", "--lr", "0.0001", "--lr-decay-epochs", "2", .. Tiny]);
        Assert.True(changed.ExitCode == 0, changed.All);
        training = new MlnetGan.Gan.RunFolder(run).ReadConfig().Training;
        Assert.Equal((3, 0.0001, 2), (training.Epochs, training.LearningRate, training.LearningRateDecayEpochs));
    }

    [Fact]
    public void UnknownOptionIsRejected()
    {
        var result = CliRunner.Run("train", "--out", "x", "--bogus");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--bogus", result.All);
    }

    [Fact]
    public void MissingDataIsOneClearLine()
    {
        using var dir = new TempDirectory();
        var result = CliRunner.Run("train", "--data", "/no/such/images", "--out", dir.Combine("run"), "--device", "cpu");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: /no/such/images: not found (pass a folder, a file, or 'builtin')", result.Error.Trim());
    }

    [Fact]
    public void UnwritableOutputIsNamed()
    {
        using var dir = new TempDirectory();
        var blocker = dir.Combine("file");
        File.WriteAllText(blocker, "x");
        var result = CliRunner.Run(["train", "--data", WriteTinyCifar(dir), "--out", Path.Combine(blocker, "run"), "--epochs", "1", .. Tiny]);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error:", result.Error.Trim());
        Assert.Contains(blocker, result.Error);
    }

    [Theory]
    [InlineData("--image-size", "48", "image size must be 32 or 64")]
    [InlineData("--batch-size", "0", "--batch-size must be positive")]
    [InlineData("--device", "cuda:7", "device 'cuda:7'")]
    [InlineData("--d-dropout", "1.5", "(--d-dropout) must lie in [0, 1)")]
    [InlineData("--d-input-noise", "-1", "(--d-input-noise) must be a finite")]
    [InlineData("--lr-decay-epochs", "9", "(--lr-decay-epochs) must lie between 0 and the 5 epochs, not 9")]
    public void BadOptionValuesAreNamed(string option, string value, string message)
    {
        using var dir = new TempDirectory();
        var result = CliRunner.Run("train", "--out", dir.Combine("run"), option, value);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.All);
    }
}
