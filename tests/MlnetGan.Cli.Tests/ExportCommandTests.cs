using Microsoft.ML.OnnxRuntime;
using MlnetGan.Data;
using MlnetGan.Gan;

namespace MlnetGan.Cli.Tests;

public class ExportCommandTests
{
    /// <summary>Trains a tiny run on a PNG folder through the CLI (which also exports it); returns the run folder.</summary>
    private static string TrainTinyRun(TempDirectory dir)
    {
        var folder = dir.Combine("images");
        ImageFolderReader.WriteClassFolders(BuiltinShapes.GenerateSplit(1, 0, 32, 32, 3), folder);
        var run = dir.Combine("run");
        var train = CliRunner.Run("train", "--data", folder, "--out", run, "--epochs", "1", "--ngf", "8", "--ndf", "8", "--batch-size", "8", "--device", "cpu");
        Assert.True(train.ExitCode == 0, train.All);
        return run;
    }

    [Fact]
    public void TrainExportsAutomaticallyAndExportRecomputesBatchNormOnRequest()
    {
        using var dir = new TempDirectory();
        var run = TrainTinyRun(dir);
        using (var session = new InferenceSession(Path.Combine(run, "discriminator.onnx")))
        {
            Assert.Equal("running", session.ModelMetadata.CustomMetadataMap["mlnetgan.bn_stats"]);
            Assert.Equal("4", session.ModelMetadata.CustomMetadataMap["mlnetgan.step"]);
            Assert.Equal((8 + 16 + 32) * 16, session.OutputMetadata["features"].Dimensions[1]);
        }

        var recomputed = dir.Combine("recomputed.onnx");
        var export = CliRunner.Run("export", "--run", run, "--out", recomputed, "--bn-stats", "recompute", "--bn-batches", "3");

        Assert.True(export.ExitCode == 0, export.All);
        using (var session = new InferenceSession(recomputed))
            Assert.Equal("recompute:3", session.ModelMetadata.CustomMetadataMap["mlnetgan.bn_stats"]);
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(run, "discriminator.onnx")), File.ReadAllBytes(recomputed));
    }

    [Fact]
    public void SemiSupervisedRunExportsLogitsThatTheFeaturizerServes()
    {
        using var dir = new TempDirectory();
        var folder = dir.Combine("images");
        ImageFolderReader.WriteClassFolders(BuiltinShapes.GenerateSplit(1, 0, 40, 32, 3), folder);
        var run = dir.Combine("run");
        var train = CliRunner.Run("train", "--data", folder, "--out", run, "--mode", "semi-supervised", "--labels-per-class", "2", "--epochs", "1",
            "--ngf", "8", "--ndf", "8", "--batch-size", "8", "--device", "cpu", "--d-input-noise", "0.1", "--d-dropout", "0.2");
        Assert.True(train.ExitCode == 0, train.All);
        var training = new RunFolder(run).ReadConfig().Training;
        Assert.Equal((0.1, 0.2), (training.DiscriminatorInputNoise, training.DiscriminatorDropout));
        var model = Path.Combine(run, "discriminator.onnx");

        var info = MlnetGan.ML.DcganModelInfo.Read(model);

        Assert.Equal(((DiscriminatorMode?)DiscriminatorMode.SemiSupervised, "probabilities", 10), (info.Mode, info.ScoreOutputName, info.ScoreLength));
        Assert.Equal(BuiltinShapes.ClassNames.Order(StringComparer.Ordinal), info.ClassNames); // image-folder classes are sorted
        var ml = new Microsoft.ML.MLContext(0);
        var logits = MlnetGan.ML.FeatureMatrix.Stream(ml, model, BuiltinShapes.GenerateSplit(1, 1, 4, 32, 3)).Count();
        Assert.Equal(4, logits);
    }

    [Fact]
    public void SupervisedBaselineMeasuresTheHeldOutSplitAndExportsAClassifier()
    {
        using var dir = new TempDirectory();
        var folder = dir.Combine("images");
        ImageFolderReader.WriteClassFolders(BuiltinShapes.GenerateSplit(1, 0, 40, 32, 3), Path.Combine(folder, "train"));
        ImageFolderReader.WriteClassFolders(BuiltinShapes.GenerateSplit(1, 1, 20, 32, 3), Path.Combine(folder, "test"));
        var run = dir.Combine("run");
        string[] args = ["train", "--data", folder, "--out", run, "--mode", "supervised", "--labels-per-class", "2", "--epochs", "1", "--ngf", "8", "--ndf", "8", "--batch-size", "8", "--device", "cpu"];

        var train = CliRunner.Run(args);

        Assert.True(train.ExitCode == 0, train.All);
        Assert.Contains("supervised-only discriminator on 2 labels per class", train.Output);
        Assert.Contains("Test accuracy of the discriminator as a classifier", train.Output);
        var measured = System.Text.Json.JsonSerializer.Deserialize<MlnetGan.Gan.TestAccuracy>(File.ReadAllText(Path.Combine(run, "test-accuracy.json")), MlnetGan.Gan.RunFolder.Json)!;
        Assert.Equal((DiscriminatorMode.Supervised, 2, 5L, 20), (measured.Mode, measured.LabelsPerClass, measured.Step, measured.TestImages));
        Assert.InRange(measured.Accuracy, 0, 1);
        var info = MlnetGan.ML.DcganModelInfo.Read(Path.Combine(run, "discriminator.onnx"));
        Assert.Equal(((DiscriminatorMode?)DiscriminatorMode.Supervised, "probabilities", 10), (info.Mode, info.ScoreOutputName, info.ScoreLength));

        var wrongMode = CliRunner.Run([.. args.Select(a => a == "supervised" ? "semi-supervised" : a), "--resume"]);
        Assert.Equal(1, wrongMode.ExitCode);
        Assert.Contains("is a supervised run; pass --mode supervised to resume it", wrongMode.Error);
    }

    [Fact]
    public void MissingRunIsNamed()
    {
        using var dir = new TempDirectory();
        var result = CliRunner.Run("export", "--run", dir.Combine("nothing"), "--out", dir.Combine("d.onnx"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("config.json: not found: this folder holds no training run", result.Error);
        Assert.False(File.Exists(dir.Combine("d.onnx")));
    }
}

public class EvaluateCommandTests
{
    [Fact]
    public void MissingModelIsNamed()
    {
        var result = CliRunner.Run("evaluate", "--model", "/no/such.onnx", "--out", Path.GetTempPath());
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: /no/such.onnx: model file not found", result.Error.Trim());
    }

    [Theory]
    [InlineData("--labels-per-class", "100,lots", "'lots' is neither a whole number of at least 2 nor 'all'")]
    [InlineData("--baselines", "raw,magic", "--baselines: 'magic' is not raw, untrained or none")]
    [InlineData("--classifier", "forest", "forest")]
    public void BadOptionsAreNamed(string option, string value, string message)
    {
        var result = CliRunner.Run("evaluate", "--model", "/no/such.onnx", "--out", Path.GetTempPath(), option, value);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.All);
    }
}
