using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.ML;
using MlnetGan.Onnx;
using static TorchSharp.torch;

namespace MlnetGan.Cli.Tests;

public class PredictCommandTests
{
    [Fact]
    public void SavedPipelineGivesIdenticalPredictionsInANewProcess()
    {
        using var dir = new TempDirectory();
        var folder = dir.Combine("images");
        ImageFolderReader.WriteClassFolders(BuiltinShapes.GenerateSplit(3, 0, 60, 32, 3), folder);
        // A file name with a comma and quotes stays one CSV field.
        var first = Directory.GetFiles(folder, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        File.Copy(first, Path.Combine(Path.GetDirectoryName(first)!, "a, \"quoted\" name.png"));
        var model = dir.Combine("d.onnx");
        using (var d = new DcganDiscriminator(new DcganConfig { Ndf = 16 }))
        {
            using (var generator = new Generator(7, CPU)) WeightInit.Apply(d, generator);
            d.eval();
            DiscriminatorOnnxExporter.Export(d, new OnnxExportInfo(), model);
        }
        var rows = Directory.GetFiles(folder, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => new ImageRow { ImagePath = f, Label = Path.GetFileName(Path.GetDirectoryName(f)!) }).ToList();
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label")
            .Append(ml.Transforms.LoadImages("Image", null, "ImagePath"))
            .Append(ml.Transforms.ResizeImages("Image", 32, 32))
            .Append(ml.Transforms.ExtractDcganFeatures("Features", model))
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("LabelKey", "Features", maximumNumberOfIterations: 10))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var fitted = pipeline.Fit(data);
        var zip = dir.Combine("pipeline.zip");
        ml.Model.Save(fitted, data.Schema, zip);
        File.Delete(model);
        var scored = fitted.Transform(data);
        var expectedLabels = scored.GetColumn<ReadOnlyMemory<char>>("PredictedLabel").Select(v => v.ToString()).ToList();
        var expectedScores = scored.GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToList();

        var csv = dir.Combine("predictions.csv");
        var result = CliRunner.Run("predict", "--pipeline", zip, "--images", folder, "--out", csv);

        Assert.True(result.ExitCode == 0, result.All);
        var lines = CsvFile.Read(csv).Skip(1).ToList();
        Assert.Contains(lines, l => l[0].EndsWith("a, \"quoted\" name.png", StringComparison.Ordinal));
        Assert.Equal(rows.Select(r => r.ImagePath), lines.Select(l => l[0]));
        Assert.Equal(expectedLabels, lines.Select(l => l[1]));
        for (int i = 0; i < lines.Count; i++)
        {
            var scores = lines[i][2].Split(' ').Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(expectedScores[i].Length, scores.Length);
            for (int k = 0; k < scores.Length; k++) Assert.InRange(scores[k] - expectedScores[i][k], -1e-5f, 1e-5f);
        }
    }

    [Fact]
    public void MissingPipelineIsNamed()
    {
        using var dir = new TempDirectory();
        var result = CliRunner.Run("predict", "--pipeline", dir.Combine("none.zip"), "--images", dir.Path, "--out", dir.Combine("p.csv"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("none.zip: file not found", result.Error);
    }

    private sealed class ImageRow
    {
        public string ImagePath { get; set; } = "";
        public string Label { get; set; } = "";
    }
}
