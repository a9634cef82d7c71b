using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlnetGan.Data;
using MlnetGan.ML;

namespace MlnetGan.Cli.Tests;

public class FitCommandTests
{
    /// <summary>
    /// The command line alone: train, export, fit, predict, each in its own process; the predictions equal those of the
    /// saved pipeline loaded here, and name the classes.
    /// </summary>
    [Fact]
    public void TrainExportFitPredictFromTheCommandLine()
    {
        using var dir = new TempDirectory();
        var folder = WriteImages(dir);
        var run = dir.Combine("run");
        var onnx = dir.Combine("d.onnx");

        var train = CliRunner.Run("train", "--data", folder, "--out", run, "--epochs", "1", "--ngf", "8", "--ndf", "8", "--batch-size", "8", "--device", "cpu", "--no-export");
        Assert.True(train.ExitCode == 0, train.All);
        var export = CliRunner.Run("export", "--run", run, "--out", onnx);
        Assert.True(export.ExitCode == 0, export.All);
        FitAndPredictMatchInProcess(dir, folder, onnx);
    }

    /// <summary>
    /// fit and predict in their own processes on an untrained discriminator: predict's CSV equals the saved pipeline
    /// loaded here, and that equals the pipeline <see cref="LinearProbe.Fit"/> builds in this process.
    /// </summary>
    [Fact]
    public void FitThenPredictMatchesTheLibraryInProcess()
    {
        using var dir = new TempDirectory();
        var folder = WriteImages(dir);
        var onnx = UntrainedModel.Write(dir);
        var predicted = FitAndPredictMatchInProcess(dir, folder, onnx);

        var ml = new MLContext(seed: 0);
        var splits = DatasetLoader.Load(folder, new DatasetLoadOptions());
        using var probe = LinearProbe.Fit(ml, onnx, splits.Train, new LinearProbeOptions { LabelsPerClass = 4, Protocol = new EvaluationOptions { Classifier = ProbeClassifier.SdcaMaxEnt } });
        Assert.Equal(40, probe.LabelledImages);
        var (labels, _) = Score(ml, probe.Pipeline, predicted.Select(p => p.Path).ToList());
        Assert.Equal(labels, predicted.Select(p => p.Label));
    }

    private static string WriteImages(TempDirectory dir)
    {
        var folder = dir.Combine("images");
        ImageFolderReader.WriteClassFolders(BuiltinShapes.GenerateSplit(3, 0, 60, 32, 3), folder);
        return folder;
    }

    /// <summary>Runs fit and predict as child processes and checks predict's CSV against the saved pipeline loaded here.</summary>
    private static List<(string Path, string Label)> FitAndPredictMatchInProcess(TempDirectory dir, string folder, string onnx)
    {
        var zip = dir.Combine("model.zip");
        var csv = dir.Combine("predictions.csv");
        var fit = CliRunner.Run("fit", "--model", onnx, "--data", folder, "--labels-per-class", "4", "--classifier", "sdca-maxent", "--out", zip);
        Assert.True(fit.ExitCode == 0, fit.All);
        Assert.Contains("on 40 labelled images", fit.Output);
        var copy = dir.Combine("moved.onnx");
        File.Move(onnx, copy); // the pipeline carries the model
        var predict = CliRunner.Run("predict", "--pipeline", zip, "--images", folder, "--out", csv);
        File.Move(copy, onnx);
        Assert.True(predict.ExitCode == 0, predict.All);

        var files = Directory.GetFiles(folder, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var ml = new MLContext(seed: 0);
        ml.ComponentCatalog.RegisterDcganComponents();
        var model = ml.Model.Load(zip, out var inputSchema);
        Assert.Equal([LinearProbe.ImagePathColumn], inputSchema.Select(c => c.Name));
        var (labels, scores) = Score(ml, model, files);

        var rows = CsvFile.Read(csv);
        Assert.Equal(["ImagePath", "PredictedLabel", "Score"], rows[0]);
        Assert.Equal(files, rows.Skip(1).Select(r => r[0]));
        Assert.Equal(labels, rows.Skip(1).Select(r => r[1]));
        for (int i = 0; i < files.Count; i++)
        {
            var written = rows[i + 1][2].Split(' ').Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(BuiltinShapes.ClassNames.Count, written.Length);
            for (int k = 0; k < written.Length; k++) Assert.InRange(written[k] - scores[i][k], -1e-5f, 1e-5f);
        }
        Assert.All(labels, label => Assert.Contains(label, BuiltinShapes.ClassNames));
        return files.Zip(labels).ToList();
    }

    private static (List<string> Labels, List<float[]> Scores) Score(MLContext ml, ITransformer model, IReadOnlyList<string> files)
    {
        var scored = model.Transform(ml.Data.LoadFromEnumerable(files.Select(f => new PathRow { ImagePath = f })));
        return (scored.GetColumn<ReadOnlyMemory<char>>("PredictedLabel").Select(v => v.ToString()).ToList(),
            scored.GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToList());
    }

    [Fact]
    public void TooManyLabelsPerClassIsNamed()
    {
        using var dir = new TempDirectory();
        var folder = dir.Combine("images");
        ImageFolderReader.WriteClassFolders(BuiltinShapes.GenerateSplit(3, 0, 20, 32, 3), folder);
        var onnx = UntrainedModel.Write(dir);
        var result = CliRunner.Run("fit", "--model", onnx, "--data", folder, "--labels-per-class", "5", "--out", dir.Combine("m.zip"));
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: 5 labels per class requested but the smallest class of " + folder + " has 2 labelled training images", result.Error.Trim());
        Assert.False(File.Exists(dir.Combine("m.zip")));
    }

    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }
}
