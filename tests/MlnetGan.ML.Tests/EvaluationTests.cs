using System.Text.Json;
using Microsoft.ML;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.ML.Reports;
using MlnetGan.Onnx;
using static TorchSharp.torch;

namespace MlnetGan.ML.Tests;

public class EvaluationTests
{
    [Fact]
    public void TrainedDiscriminatorFeaturesBeatRawPixelsOnTheBuiltinDataset()
    {
        using var dir = new TempDirectory();
        var splits = BuiltinShapes.Generate(seed: 2, trainCount: 1000, testCount: 400);
        var config = new DcganConfig { Ngf = 16, Ndf = 16, Nz = 32 };
        var run = new RunFolder(dir.Combine("run"));
        DcganTrainer.Train(splits.Train, run, config, new TrainingOptions { Epochs = 4, BatchSize = 32, CheckpointEvery = 0, Seed = 1, Precision = TrainingPrecision.Fp32 }, CPU);
        var model = dir.Combine("d.onnx");
        RunExport.Export(run, model);
        var ml = new MLContext(seed: 0);
        var sets = new Dictionary<string, (FeatureMatrix, FeatureMatrix)>
        {
            ["trained D"] = (FeatureMatrix.FromModel(ml, model, splits.Train), FeatureMatrix.FromModel(ml, model, splits.Test!)),
            ["raw pixels"] = (FeatureMatrix.FromPixels(splits.Train), FeatureMatrix.FromPixels(splits.Test!)),
        };

        var result = EvaluationProtocol.Run(ml, sets, splits.Train.ClassNames, new EvaluationOptions { LabelsPerClass = [null], RegularizationGrid = [1e-3, 1e-1] });

        double trained = result.Results.Single(r => r.FeatureSet == "trained D").MeanAccuracy;
        double raw = result.Results.Single(r => r.FeatureSet == "raw pixels").MeanAccuracy;
        Assert.True(trained > raw + 0.08, $"trained D {trained:P1} does not beat raw pixels {raw:P1} by 8 points");
    }

    [Fact]
    public void FlipAveragedFeaturesAreTheMeanOfTheImageAndItsMirrorImage()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var images = BuiltinShapes.GenerateSplit(seed: 3, split: 0, count: 5, size: 32, channels: 3);
        // Mirrored by hand: pixel (c, y, x) of image i moves to (c, y, W - 1 - x).
        var pixels = images.CopyPixels();
        var mirrored = new byte[pixels.Length];
        int w = images.Width;
        for (int row = 0; row < pixels.Length; row += w)
            for (int x = 0; x < w; x++) mirrored[row + x] = pixels[row + w - 1 - x];
        var mirrorImages = new ImageDataset(mirrored, images.Labels.ToArray(), images.Channels, images.Height, images.Width, images.ClassNames, "mirrored");
        var ml = new MLContext(seed: 0);

        var plain = FeatureMatrix.FromModel(ml, model, images);
        var mirror = FeatureMatrix.FromModel(ml, model, mirrorImages);
        var averaged = FeatureMatrix.FromModel(ml, model, images, batchSize: 2, averageHorizontalFlip: true);

        Assert.Equal(images.Labels, averaged.Labels);
        for (int i = 0; i < images.Count; i++)
        {
            Assert.False(plain.Rows[i].SequenceEqual(mirror.Rows[i]), "a shape image and its mirror image gave the same features; the test cannot tell flipping apart");
            for (int j = 0; j < plain.Dimension; j++)
                Assert.Equal(0.5f * (plain.Rows[i][j] + mirror.Rows[i][j]), averaged.Rows[i][j], 1e-5f);
        }
    }

    [Fact]
    public void ReportFilesAgreeWithTheResult()
    {
        using var dir = new TempDirectory();
        var result = SeparableResult();

        EvaluationReport.Write(result, dir.Path, new Dictionary<string, string> { ["dataset"] = "toy" });

        using var json = JsonDocument.Parse(File.ReadAllText(dir.Combine(EvaluationReport.JsonFile)));
        var results = json.RootElement.GetProperty("result").GetProperty("results");
        Assert.Equal(result.Results.Count, results.GetArrayLength());
        var markdown = File.ReadAllText(dir.Combine(EvaluationReport.MarkdownFile));
        foreach (var r in result.Results)
        {
            Assert.True(double.IsFinite(r.MeanAccuracy));
            Assert.Contains(EvaluationReport.Cell(r), markdown);
        }
        var png = File.ReadAllBytes(dir.Combine(EvaluationReport.PlotFile));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
    }

    [Fact]
    public void SubsetsAreClassBalancedAndRepeatsDiffer()
    {
        var result = SeparableResult();
        var twenty = result.Results.Single(r => r.Budget == "20");
        Assert.Equal(3, twenty.Accuracies.Count);
        Assert.Equal(20, twenty.LabelsPerClass);
        Assert.Single(result.Results.Single(r => r.Budget == "all").Accuracies);
        Assert.All(result.Results, r => Assert.InRange(r.MeanAccuracy, 0.9, 1.0));
        Assert.Equal(10 * 50, result.ConfusionMatrices["toy"].Sum(row => row.Sum()));
    }

    [Fact]
    public void BudgetLargerThanAClassIsAnError()
    {
        var error = Assert.Throws<ArgumentException>(() => EvaluationProtocol.Run(new MLContext(0), Toy(), ClassNames, new EvaluationOptions { LabelsPerClass = [500] }));
        Assert.Contains("500 labels per class requested but the smallest class has 100 training images", error.Message);
    }

    [Fact]
    public void AllSubsetHoldsEveryLabelledImageWhateverTheClassSizes()
    {
        var labels = Enumerable.Range(0, 60).Select(i => i < 10 ? 0 : i < 30 ? 1 : 2).ToArray(); // classes of 10, 20 and 30

        var (fit, validation) = EvaluationProtocol.Subset(EvaluationProtocol.ByClass(labels, 3), budget: null, seed: 0, repeat: 0, validationFraction: 0.2);

        Assert.Equal(Enumerable.Range(0, 60), fit.Concat(validation).Order());
        Assert.Equal([2, 4, 6], validation.GroupBy(i => labels[i]).OrderBy(g => g.Key).Select(g => g.Count()));
    }

    [Fact]
    public void AllBudgetUsesEveryLabelledImageOfUnevenClasses()
    {
        var uneven = Toy().ToDictionary(p => p.Key, p => (Drop(p.Value.Item1, label: 0, keep: 40), p.Value.Item2));
        var result = EvaluationProtocol.Run(new MLContext(0), uneven, ClassNames, new EvaluationOptions { LabelsPerClass = [null], RegularizationGrid = [1e-1] });

        // 940 labelled images over 10 classes: 94 per class on average (it was 40, the smallest class, for every class).
        Assert.Equal(94, result.Results.Single().LabelsPerClass);
    }

    [Fact]
    public void LinearProbeWithAllLabelsFitsOnEveryLabelledImage()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var images = BuiltinShapes.GenerateSplit(5, 0, 60, 32, 3);
        var uneven = images.Subset(Enumerable.Range(0, images.Count).Where(i => images.Labels[i] != 0 || i % 3 == 0).ToArray());

        using var probe = LinearProbe.Fit(new MLContext(0), model, uneven, new LinearProbeOptions { Protocol = new EvaluationOptions { RegularizationGrid = [1e-1] } });

        Assert.Equal(uneven.Count, probe.LabelledImages);
    }

    private static FeatureMatrix Drop(FeatureMatrix matrix, int label, int keep)
    {
        var kept = Enumerable.Range(0, matrix.Rows.Length).Where(i => matrix.Labels[i] != label || keep-- > 0).ToArray();
        return new FeatureMatrix(kept.Select(i => matrix.Rows[i]).ToArray(), kept.Select(i => matrix.Labels[i]).ToArray());
    }

    /// <summary>The library names the setting by its property; the CLI shows its own option instead (ISettingError).</summary>
    [Fact]
    public void ProbeBudgetBelowTwoNamesTheSetting()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var train = BuiltinShapes.GenerateSplit(2, 0, 20, 32, 3);

        var error = Assert.Throws<InvalidSettingException>(() => LinearProbe.Fit(new MLContext(0), model, train, new LinearProbeOptions { LabelsPerClass = 1 }));

        Assert.Equal("LabelsPerClass must be at least 2 (one image to fit and one to validate per class), not 1", error.Message);
        Assert.StartsWith("--labels-per-class must be at least 2", error.MessageNaming(name => name == "LabelsPerClass" ? "--labels-per-class" : name));
    }

    private static readonly string[] ClassNames = Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray();

    private static Dictionary<string, (FeatureMatrix, FeatureMatrix)> Toy()
    {
        var random = new Random(1);
        FeatureMatrix Make(int n)
        {
            var rows = new float[n][];
            var labels = new int[n];
            for (int i = 0; i < n; i++)
            {
                labels[i] = i % 10;
                rows[i] = Enumerable.Range(0, 40).Select(j => (float)(random.NextDouble() - 0.5 + (j == labels[i] ? 2 : 0))).ToArray();
            }
            return new FeatureMatrix(rows, labels);
        }
        return new() { ["toy"] = (Make(1000), Make(500)) };
    }

    private static EvaluationResult SeparableResult() =>
        EvaluationProtocol.Run(new MLContext(0), Toy(), ClassNames, new EvaluationOptions { LabelsPerClass = [20, null], Repeats = 3, RegularizationGrid = [1e-3, 1e-1] });
}
