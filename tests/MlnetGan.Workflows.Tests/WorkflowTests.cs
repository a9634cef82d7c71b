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

    [Fact]
    public void TrainSetsTheClassesMeasuresAndExportsThenResumesWithTheRunsOwnSettingsExceptTheOverriddenOnes()
    {
        using var dir = new TempDirectory();
        var folder = dir.Combine("images");
        ImageFolderReader.WriteClassFolders(BuiltinShapes.GenerateSplit(1, 0, 100, 32, 3), Path.Combine(folder, "train"));
        ImageFolderReader.WriteClassFolders(BuiltinShapes.GenerateSplit(1, 1, 30, 32, 3), Path.Combine(folder, "test"));
        var request = new TrainRequest
        {
            Run = new RunFolder(dir.Combine("run")), Data = folder,
            Model = new DcganConfig { Ngf = 8, Ndf = 8, Nz = 16 },
            Training = new TrainingOptions { Mode = DiscriminatorMode.SemiSupervised, LabelsPerClass = 2, Epochs = 1, BatchSize = 20, Seed = 3, Precision = TrainingPrecision.Fp32 },
        };
        var notices = new List<string>();

        var first = TrainWorkflow.Run(WorkflowProgress.StatusLines(notices.Add), request, CancellationToken.None);

        // 100 training images at batch 20; the 10 classes make a 10-class discriminator, measured on the 30 test images.
        Assert.Equal((5L, 10), (first.Training.Step, first.Model.NumClasses));
        Assert.StartsWith("Training a semi-supervised GAN with 2 labels per class (", notices[0]);
        Assert.Equal((DiscriminatorMode.SemiSupervised, 30), (first.TestAccuracy!.Mode, first.TestAccuracy.TestImages));
        Assert.Equal(request.Run.DiscriminatorPath, first.ExportedModel);
        Assert.Equal(10, DcganModelInfo.Read(first.ExportedModel!).ScoreLength);

        // Resumed with other settings: only the overridden epochs count; batch size, seed and width stay the run's own.
        var resumed = TrainWorkflow.Run(WorkflowProgress.Silent, request with
        {
            Model = new DcganConfig(), Training = request.Training with { Epochs = 2, BatchSize = 10, Seed = 9 },
            Resume = true, ResumeOverrides = new HashSet<string> { nameof(TrainingOptions.Epochs) },
        }, CancellationToken.None);

        Assert.Equal((10L, first.Model, 20, 3L), (resumed.Training.Step, resumed.Model, resumed.Options.BatchSize, resumed.Options.Seed));

        var otherMode = Assert.Throws<InvalidSettingException>(() => TrainWorkflow.Run(WorkflowProgress.Silent, request with
        {
            Training = request.Training with { Mode = DiscriminatorMode.Supervised }, Resume = true, ResumeOverrides = new HashSet<string> { nameof(TrainingOptions.Mode) },
        }, CancellationToken.None));
        Assert.Equal($"{request.Run.Root} is a semi-supervised run; pass Mode semi-supervised to resume it (or leave it out)", otherMode.Message);
    }

    internal static string ExportModel(TempDirectory dir)
    {
        var path = dir.Combine("d.onnx");
        using var d = new DcganDiscriminator(new DcganConfig { Ndf = 8 });
        using (var generator = new Generator(7, CPU)) WeightInit.Apply(d, generator);
        d.eval();
        DiscriminatorOnnxExporter.Export(d, new OnnxExportInfo(), path);
        return path;
    }
}
