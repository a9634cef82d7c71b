using Google.Protobuf;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.Onnx.Proto;
using static TorchSharp.torch;

namespace MlnetGan.Onnx.Tests;

public class UntrainedBaselineTests
{
    private static readonly DcganConfig Config = new() { Ndf = 8 };
    private static readonly ImageDataset Train = BuiltinShapes.GenerateSplit(3, 0, 64, 32, 3);

    [Fact]
    public void RecomputedStatisticsFollowTheTrainedModelsRecipe()
    {
        using var dir = new TempDirectory();
        var recipe = BatchNormRecipe.Recompute(batches: 2, batchSize: 16);
        var trained = ExportTrained(dir, recipe);
        var baseline = dir.Combine("untrained.onnx");

        UntrainedBaseline.Export(trained, Train, seed: 9, baseline);

        // The baseline's statistics are those of a discriminator with the baseline's weights, recomputed by the recipe.
        using var expected = new DcganDiscriminator(Config);
        using (var generator = new Generator(SeedMixer.Mix(9, 4), CPU)) WeightInit.Apply(expected, generator);
        BatchNormStatistics.Recompute(expected, Train, recipe, 9, CPU);
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(baseline));
        for (int b = 0; b < Config.BlockCount; b++)
        {
            if (expected.Blocks[b].bn is not { } bn) continue;
            Assert.Equal(bn.running_mean!.data<float>().ToArray(), Initializer(model, $"block{b + 1}.bn.running_mean"));
            Assert.Equal(bn.running_var!.data<float>().ToArray(), Initializer(model, $"block{b + 1}.bn.running_var"));
        }
        var metadata = model.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(("recompute:2", "16", "untrained"), (metadata["mlnetgan.bn_stats"], metadata["mlnetgan.bn_batch_size"], metadata["mlnetgan.dataset"]));
        Assert.Equal(recipe, UntrainedBaseline.ContractOf(baseline).BatchNorm);
    }

    [Fact]
    public void RecomputedModelThatDoesNotRecordItsBatchSizeIsNamed()
    {
        using var dir = new TempDirectory();
        var trained = ExportTrained(dir, BatchNormRecipe.Recompute(batches: 2, batchSize: 16));
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(trained));
        model.MetadataProps.Remove(model.MetadataProps.Single(p => p.Key == "mlnetgan.bn_batch_size"));
        File.WriteAllBytes(trained, model.ToByteArray());

        var error = Assert.Throws<ArgumentException>(() => UntrainedBaseline.Export(trained, Train, seed: 9, dir.Combine("untrained.onnx")));

        Assert.Contains(trained, error.Message);
        Assert.Contains("recompute:2", error.Message);
    }

    [Fact]
    public void ShapeComesFromTheContract()
    {
        using var dir = new TempDirectory();
        var trained = ExportTrained(dir, BatchNormRecipe.Running);

        Assert.Equal(Config, UntrainedBaseline.ConfigOf(UntrainedBaseline.ContractOf(trained)));
        var stripped = ModelProto.Parser.ParseFrom(File.ReadAllBytes(trained));
        stripped.MetadataProps.Remove(stripped.MetadataProps.Single(p => p.Key == "mlnetgan.nz"));
        File.WriteAllBytes(trained, stripped.ToByteArray());
        Assert.Contains("metadata mlnetgan.nz is missing", Assert.Throws<ArgumentException>(() => UntrainedBaseline.ContractOf(trained)).Message);
    }

    private static string ExportTrained(TempDirectory dir, BatchNormRecipe recipe)
    {
        using var d = new DcganDiscriminator(Config);
        using (var generator = new Generator(1, CPU)) WeightInit.Apply(d, generator);
        d.eval();
        var path = dir.Combine("trained.onnx");
        DiscriminatorOnnxExporter.Export(d, new OnnxExportInfo { Dataset = "builtin", ClassNames = Train.ClassNames, BatchNormStatistics = recipe }, path);
        return path;
    }

    private static float[] Initializer(ModelProto model, string name) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(model.Graph.Initializer.Single(i => i.Name == name).RawData.Span).ToArray();
}
