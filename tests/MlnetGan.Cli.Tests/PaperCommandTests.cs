using MlnetGan.Cli.Commands;
using MlnetGan.Data;

namespace MlnetGan.Cli.Tests;

public class PaperCommandTests
{
    private static readonly string[] Tiny = ["--budget", "1e", "--ngf", "8", "--ndf", "8", "--batch-size", "8", "--labels-per-class", "2,all", "--repeats", "2", "--device", "cpu"];

    [Fact]
    public void RunsOnCifarBinaryAndAContinuedRunKeepsTheTrainingAndRewritesTheReport()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("cifar-10-batches-bin");
        var images = BuiltinShapes.GenerateSplit(1, 0, 60, 32, 3);
        for (int b = 0; b < 5; b++)
            CifarBinaryReader.WriteBatch(images.Subset(Enumerable.Range(b * 8, 8).ToArray()), Path.Combine(data, CifarBinaryReader.TrainFileNames[b]));
        CifarBinaryReader.WriteBatch(images.Subset(Enumerable.Range(40, 20).ToArray()), Path.Combine(data, CifarBinaryReader.TestFileName));
        var run = dir.Combine("paper");

        var first = CliRunner.Run(["paper", "--data", data, "--out", run, .. Tiny]);

        Assert.True(first.ExitCode == 0, first.All);
        var html = Path.Combine(run, "report", "report.html");
        Assert.True(File.Exists(html));
        Assert.True(File.Exists(Path.Combine(run, "report", "results.json")));
        var metrics = File.ReadAllText(Path.Combine(run, "metrics.csv"));
        Directory.Delete(Path.Combine(run, "report"), recursive: true);

        var second = CliRunner.Run(["paper", "--data", data, "--out", run, .. Tiny]);

        Assert.True(second.ExitCode == 0, second.All);
        Assert.DoesNotContain("DCGAN training", second.Output);
        Assert.Equal(metrics, File.ReadAllText(Path.Combine(run, "metrics.csv")));
        Assert.True(File.Exists(html));
    }

    [Fact]
    public void RunsOnAnImageFolderWithTrainAndTest()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("cifar10");
        ImageFolderReader.WriteClassFolders(BuiltinShapes.GenerateSplit(1, 0, 40, 32, 3), Path.Combine(data, "train"));
        ImageFolderReader.WriteClassFolders(BuiltinShapes.GenerateSplit(1, 1, 20, 32, 3), Path.Combine(data, "test"));

        var result = CliRunner.Run(["paper", "--data", data, "--out", dir.Combine("paper"), .. Tiny]);

        Assert.True(result.ExitCode == 0, result.All);
        Assert.True(File.Exists(Path.Combine(dir.Path, "paper", "report", "report.html")));
    }

    [Fact]
    public void DataWithoutATestSplitIsNamed()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("flat");
        ImageFolderReader.WriteClassFolders(BuiltinShapes.GenerateSplit(1, 0, 20, 32, 3), data);
        var result = CliRunner.Run(["paper", "--data", data, "--out", dir.Combine("paper"), .. Tiny]);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("has no test split", result.Error);
    }

    [Theory]
    [InlineData("90s", 90.0, null)]
    [InlineData("60m", 3600.0, null)]
    [InlineData("1.5h", 5400.0, null)]
    [InlineData("7e", null, 7)]
    public void BudgetsParse(string text, double? seconds, int? epochs)
    {
        var (time, parsedEpochs) = PaperCommand.ParseBudget(text);
        Assert.Equal(seconds, time?.TotalSeconds);
        Assert.Equal(epochs, parsedEpochs);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("2.5e")]
    [InlineData("-3m")]
    public void BadBudgetsAreNamed(string text) =>
        Assert.Contains($"'{text}' is neither a time", Assert.Throws<ArgumentException>(() => PaperCommand.ParseBudget(text)).Message);
}
