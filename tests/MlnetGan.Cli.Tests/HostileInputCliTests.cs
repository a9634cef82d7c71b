using Google.Protobuf;
using Microsoft.ML;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.ML;
using MlnetGan.Onnx;
using static TorchSharp.torch;

namespace MlnetGan.Cli.Tests;

/// <summary>Issue 15, items 8, 11 and 13 through the CLI: each bad input ends in one <c>error:</c> line and exit code 1.</summary>
public class HostileInputCliTests
{
    [Theory]
    [InlineData("featurize")]
    [InlineData("evaluate")]
    public void CudaWithoutCudaIsOneErrorLineUnlessFallbackIsAllowed(string command)
    {
        using var dir = new TempDirectory();
        var model = ExportModel(dir);
        var data = WriteSplitFolder(dir, classes: 2);
        string[] args = command == "featurize"
            ? ["featurize", "--model", model, "--data", data, "--out", dir.Combine("f.csv")]
            : ["evaluate", "--model", model, "--data", data, "--labels-per-class", "all", "--repeats", "1", "--baselines", "none", "--out", dir.Combine("eval")];

        var cuda = CliRunner.Run([.. args, "--device", "cuda"]);

        // The default build carries ONNX Runtime's CPU package, which has no CUDA provider; a CUDA build on a GPU succeeds.
        if (cuda.ExitCode != 0)
        {
            Assert.Equal(1, cuda.ExitCode);
            var line = Assert.Single(cuda.Error.Trim().Split('\n'));
            Assert.StartsWith("error: ONNX Runtime cannot use CUDA device 0", line);
            var fallback = CliRunner.Run([.. args, "--device", "cuda", "--allow-cpu-fallback"]);
            Assert.True(fallback.ExitCode == 0, fallback.Error);
        }
    }

    [Theory]
    [InlineData("64", "1", "metadata mlnetgan.image_size: image_size 64 contradicts its graph")]
    [InlineData("100000", "3", "metadata mlnetgan.image_size: image_size 100000 is outside 1..1024")]
    public void ModelWhoseMetadataLiesIsNamed(string imageSize, string channels, string message)
    {
        using var dir = new TempDirectory();
        var proto = MlnetGan.Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(ExportModel(dir)));
        proto.MetadataProps.Single(p => p.Key == "mlnetgan.image_size").Value = imageSize;
        proto.MetadataProps.Single(p => p.Key == "mlnetgan.channels").Value = channels;
        var lying = dir.Combine("lying.onnx");
        File.WriteAllBytes(lying, proto.ToByteArray());

        var result = CliRunner.Run("featurize", "--model", lying, "--data", WriteSplitFolder(dir, classes: 2), "--out", dir.Combine("f.csv"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: {lying}: {message}", Assert.Single(result.Error.Trim().Split('\n')).Split(", whose input")[0]);
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("garbage")]
    [InlineData("truncated")]
    public void PredictOnABadImageNamesIt(string kind)
    {
        using var dir = new TempDirectory();
        var zip = SavePipeline(dir);
        var bad = dir.Combine($"{kind}.png");
        var good = File.ReadAllBytes(Directory.GetFiles(dir.Combine("train"), "*.png", SearchOption.AllDirectories)[0]);
        File.WriteAllBytes(bad, kind switch { "empty" => [], "garbage" => "not an image at all"u8.ToArray(), _ => good[..(good.Length / 2)] });

        var result = CliRunner.Run("predict", "--pipeline", zip, "--images", bad, "--out", dir.Combine("p.csv"));

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Error.Trim().Split('\n'));
        Assert.StartsWith($"error: {bad}: ", line);
        Assert.False(File.Exists(dir.Combine("p.csv")));
    }

    [Fact]
    public void PredictListsEachImageOnceThroughASymlinkLoop()
    {
        using var dir = new TempDirectory();
        var zip = SavePipeline(dir);
        var images = dir.Combine("images");
        ImageFolderReader.WriteClassFolders(BuiltinShapes.GenerateSplit(9, 0, 5, 32, 3), images);
        Directory.CreateSymbolicLink(Path.Combine(images, "loop"), images);

        var result = CliRunner.Run("predict", "--pipeline", zip, "--images", images, "--out", dir.Combine("p.csv"));

        Assert.Equal(0, result.ExitCode);
        var rows = File.ReadAllLines(dir.Combine("p.csv")).Skip(1).ToList();
        Assert.Equal(5, rows.Count);
        Assert.DoesNotContain(rows, r => r.Contains("/loop/"));
    }

    [Theory]
    [InlineData("--ngf", "100000", "ngf must lie between 1 and 512, not 100000")]
    [InlineData("--ndf", "100000", "ndf must lie between 1 and 512, not 100000")]
    [InlineData("--nz", "100000", "nz must lie between 1 and 4096, not 100000")]
    public void OversizedModelIsRefusedBeforeTheRunFolderIsMade(string option, string value, string message)
    {
        using var dir = new TempDirectory();
        var run = dir.Combine("run");

        var result = CliRunner.Run("train", "--out", run, "--data", WriteSplitFolder(dir, classes: 2), "--device", "cpu", "--epochs", "1", option, value);

        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}: {result.Error}");
        Assert.Equal($"error: {message}", result.Error.Trim());
        Assert.False(Directory.Exists(run));
    }

    [Theory]
    [InlineData(false, "2000000000", "--count 2000000000: a grid holds at most 4096 images")]
    [InlineData(true, "500", "--count 500: a grid holds at most 4096 images (409 strips of 10)")]
    public void SampleCountIsBounded(bool interpolate, string count, string message)
    {
        using var dir = new TempDirectory();
        string[] args = ["sample", "--run", dir.Combine("no-run"), "--count", count, "--out", dir.Combine("s.png")];

        var result = CliRunner.Run(interpolate ? [.. args, "--interpolate"] : args);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: {message}", result.Error.Trim());
    }

    [Fact]
    public void EvaluateOnOneClassIsRefusedBeforeFeaturizing()
    {
        using var dir = new TempDirectory();
        var data = WriteSplitFolder(dir, classes: 1);

        var result = CliRunner.Run("evaluate", "--model", ExportModel(dir), "--data", data, "--device", "cpu", "--out", dir.Combine("eval"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: {Path.Combine(data, "train")}: its training split has labelled images of 1 class; a classifier needs at least 2", result.Error.Trim());
        Assert.DoesNotContain("trained D", result.Output);
        Assert.False(Directory.Exists(dir.Combine("eval")));
    }

    [Fact]
    public void EvaluateWithOneImagePerClassIsOneErrorLine()
    {
        using var dir = new TempDirectory();
        var data = WriteSplitFolder(dir, classes: 2, perClass: 1);

        var result = CliRunner.Run("evaluate", "--model", ExportModel(dir), "--data", data, "--device", "cpu", "--labels-per-class", "all", "--baselines", "none", "--out", dir.Combine("eval"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: the smallest class has 1 training image; the protocol needs at least 2 per class (one to fit, one to validate)", result.Error.Trim());
    }

    private static string ExportModel(TempDirectory dir)
    {
        var model = dir.Combine("d.onnx");
        using var d = new DcganDiscriminator(new DcganConfig { Ndf = 8 });
        using (var generator = new Generator(7, CPU)) WeightInit.Apply(d, generator);
        d.eval();
        DiscriminatorOnnxExporter.Export(d, new OnnxExportInfo(), model);
        return model;
    }

    /// <summary>An image folder with train/ and test/ splits of <paramref name="classes"/> classes.</summary>
    private static string WriteSplitFolder(TempDirectory dir, int classes, int perClass = 4)
    {
        var root = dir.Combine("data");
        var images = BuiltinShapes.GenerateSplit(4, 0, 10 * perClass, 32, 3);
        var keep = Enumerable.Range(0, images.Count).Where(i => images.Labels[i] < classes).ToList();
        ImageFolderReader.WriteClassFolders(images.Subset(keep), Path.Combine(root, "train"));
        ImageFolderReader.WriteClassFolders(images.Subset(keep), Path.Combine(root, "test"));
        return root;
    }

    /// <summary>LoadImages -> ResizeImages -> DCGAN features -> classifier, saved; training images under dir/train.</summary>
    private static string SavePipeline(TempDirectory dir)
    {
        var model = ExportModel(dir);
        ImageFolderReader.WriteClassFolders(BuiltinShapes.GenerateSplit(3, 0, 12, 32, 3), dir.Combine("train"));
        var rows = Directory.GetFiles(dir.Combine("train"), "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => new ImageRow { ImagePath = f, Label = Path.GetFileName(Path.GetDirectoryName(f)!) }).ToList();
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(rows);
        var fitted = ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label")
            .Append(ml.Transforms.LoadImages("Image", null, "ImagePath"))
            .Append(ml.Transforms.ResizeImages("Image", 32, 32))
            .Append(ml.Transforms.ExtractDcganFeatures("Features", model))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("LabelKey", "Features", maximumNumberOfIterations: 5))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"))
            .Fit(data);
        var zip = dir.Combine("pipeline.zip");
        ml.Model.Save(fitted, data.Schema, zip);
        return zip;
    }

    private sealed class ImageRow
    {
        public string ImagePath { get; set; } = "";
        public string Label { get; set; } = "";
    }
}
