using Microsoft.ML;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.ML;
using MlnetGan.Onnx;
using static TorchSharp.torch;

namespace MlnetGan.Workflows.Tests;

/// <summary>The workflows as a library: what the CLI's demo, paper and evaluate commands (tested end to end in MlnetGan.Cli.Tests) are made of.</summary>
public class WorkflowTests
{
    [Fact]
    public void FeaturizeGivesTheTrainedDiscriminatorThenTheBaselinesAndReportsOnlyWhatSaysSomething()
    {
        using var dir = new TempDirectory();
        var model = ExportModel(dir);
        var splits = BuiltinShapes.Generate(3, 40, 20);
        var lines = new List<string>();

        var sets = DiscriminatorEvaluation.Featurize(new MLContext(0), model, splits, EvaluationBaselines.Both, seed: 0, new OnnxDevice(null, false), WorkflowProgress.StatusLines(lines.Add));

        Assert.Equal([DiscriminatorEvaluation.TrainedSet, DiscriminatorEvaluation.UntrainedSet, DiscriminatorEvaluation.RawPixelsSet], sets.Keys);
        Assert.Equal(sets[DiscriminatorEvaluation.TrainedSet].Train.Dimension, sets[DiscriminatorEvaluation.UntrainedSet].Train.Dimension);
        Assert.Equal(3 * 32 * 32, sets[DiscriminatorEvaluation.RawPixelsSet].Test.Dimension);
        Assert.Equal([40, 20], new[] { sets[DiscriminatorEvaluation.TrainedSet].Train.Rows.Length, sets[DiscriminatorEvaluation.TrainedSet].Test.Rows.Length });
        Assert.Empty(lines); // featurizing reports counts only
    }

    [Fact]
    public void OneClassIsRefusedBeforeFeaturizing()
    {
        using var dir = new TempDirectory();
        var images = BuiltinShapes.GenerateSplit(3, 0, 20, 32, 3);
        var oneClass = images.Subset(Enumerable.Range(0, images.Count).Where(i => images.Labels[i] == 0).ToArray());
        var stages = new List<string>();

        var error = Assert.Throws<DatasetException>(() => DiscriminatorEvaluation.Featurize(new MLContext(0), ExportModel(dir), new DatasetSplits(oneClass, oneClass),
            EvaluationBaselines.None, seed: 0, new OnnxDevice(null, false), WorkflowProgress.StatusLines(stages.Add)));

        Assert.EndsWith("its training split has labelled images of 1 class; a classifier needs at least 2", error.Message);
        Assert.Empty(stages);
    }

    [Fact]
    public void PaperExperimentRefusesAFolderOfSomethingElseNamingTheSetting()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("keep.txt"), "x");

        var error = Assert.Throws<InvalidSettingException>(() => PaperExperiment.Run(new RunFolder(dir.Path), dir.Combine("data"), new PaperOptions(), WorkflowProgress.Silent, CancellationToken.None));

        Assert.Equal($"RunFolder {dir.Path} is not empty and holds no paper run; choose another folder", error.Message);
        Assert.Equal($"--out {dir.Path} is not empty and holds no paper run; choose another folder", error.MessageNaming(name => name == RunFolder.SettingName ? "--out" : name));
    }

    private static string ExportModel(TempDirectory dir)
    {
        var path = dir.Combine("d.onnx");
        using var d = new DcganDiscriminator(new DcganConfig { Ndf = 8 });
        using (var generator = new Generator(7, CPU)) WeightInit.Apply(d, generator);
        d.eval();
        DiscriminatorOnnxExporter.Export(d, new OnnxExportInfo(), path);
        return path;
    }
}
