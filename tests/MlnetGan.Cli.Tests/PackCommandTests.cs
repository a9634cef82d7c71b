using MlnetGan.Data;

namespace MlnetGan.Cli.Tests;

/// <summary>Issue 18: <c>mlnetgan pack</c> writes a folder that <c>train</c> reads batch by batch; bad output folders are one line.</summary>
public class PackCommandTests
{
    [Fact]
    public void APackedFolderIsWrittenAndTrainedOn()
    {
        using var dir = new TempDirectory();
        var packed = dir.Combine("packed");

        var pack = CliRunner.Run("pack", "--data", "builtin", "--train-images", "64", "--test-images", "10", "--out", packed);

        Assert.True(pack.ExitCode == 0, pack.All);
        Assert.Contains($"Packed 64 train and 10 test images of 3x32x32 (10 classes) to {packed}", pack.Output);
        Assert.Equal(new Dictionary<string, int> { ["train"] = 64, ["test"] = 10 }, PackedDataset.ReadMetadata(packed).Splits);
        var train = CliRunner.Run(["train", "--data", packed, "--out", dir.Combine("run"), "--epochs", "1", .. TrainCommandTests.Tiny]);
        Assert.True(train.ExitCode == 0, train.All);
        Assert.True(File.Exists(Path.Combine(dir.Combine("run"), "checkpoints", "latest.json")), train.All);
    }

    [Fact]
    public void AnOutputThatExistsIsOneErrorLineAndIsLeftAlone()
    {
        using var dir = new TempDirectory();
        var taken = dir.Combine("taken");
        Directory.CreateDirectory(taken);
        File.WriteAllText(Path.Combine(taken, "notes.txt"), "mine");

        var result = CliRunner.Run("pack", "--data", "builtin", "--train-images", "20", "--out", taken);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: {taken}: already exists; choose a new folder for the packed dataset", result.Error.Trim());
        Assert.Equal([Path.Combine(taken, "notes.txt")], Directory.GetFileSystemEntries(taken));
        Assert.Equal([taken], Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void APackedFolderAtAnotherSizeIsRefusedByTrainWithOneLine()
    {
        using var dir = new TempDirectory();
        var packed = dir.Combine("packed");
        Assert.Equal(0, CliRunner.Run("pack", "--data", "builtin", "--train-images", "20", "--test-images", "5", "--out", packed).ExitCode);

        var result = CliRunner.Run(["train", "--data", packed, "--image-size", "64", "--out", dir.Combine("run"), "--epochs", "1", .. TrainCommandTests.Tiny]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: {packed}: is packed at 3x32x32, not the 3x64x64 asked for; pack the source again at that size (a packed dataset is never converted in memory)", result.Error.Trim());
        Assert.False(Directory.Exists(dir.Combine("run")));
    }
}
