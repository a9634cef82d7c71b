using Google.Protobuf;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MlnetGan.Data;
using MlnetGan.Gan;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace MlnetGan.Onnx.Tests;

public class ExporterParityTests
{
    private const float Tolerance = 1e-4f;

    public static TheoryData<int, int, int> Shapes => new()
    {
        { 32, 3, 1 }, { 32, 3, 7 }, { 32, 3, 128 },
        { 32, 1, 1 }, { 32, 1, 7 }, { 32, 1, 128 },
        { 64, 3, 1 }, { 64, 3, 7 }, { 64, 3, 128 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void RandomWeightsMatchTorchSharp(int size, int channels, int batch)
    {
        using var d = RandomDiscriminator(new DcganConfig { ImageSize = size, Channels = channels }, seed: size + channels);
        AssertParity(d, batch, seed: batch);
    }

    [Fact]
    public void BrieflyTrainedDiscriminatorMatchesTorchSharp()
    {
        var config = new DcganConfig { Ngf = 16, Ndf = 32 };
        var dir = Path.Combine(Path.GetTempPath(), "mlnetgan-tests", Guid.NewGuid().ToString("N"));
        try
        {
            var run = new RunFolder(dir);
            DcganTrainer.Train(BuiltinShapes.GenerateSplit(2, 0, 256, 32, 3), run, config, new TrainingOptions { Epochs = 2, BatchSize = 32, CheckpointEvery = 0, Precision = TrainingPrecision.Fp32 }, CPU);
            using var d = new DcganDiscriminator(config);
            CheckpointStore.Load(new CheckpointStore(run).LatestPathOrNull()!, null, d);
            AssertParity(d, batch: 7, seed: 3);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void SemiSupervisedModelExportsLogitsAndProbabilities()
    {
        using var d = RandomDiscriminator(new DcganConfig { NumClasses = 10, Ndf = 16 }, seed: 5);
        using var session = new InferenceSession(DiscriminatorOnnxExporter.Build(d, new OnnxExportInfo()).ToByteArray());
        var (images, input) = RandomImages(d.Config, 4, seed: 9);
        using (images)
        using (var expected = d.forward(images))
        using (var outputs = session.Run([NamedOnnxValue.CreateFromTensor("image", input)]))
        {
            var logits = outputs.Single(o => o.Name == "logits").AsTensor<float>();
            Assert.Equal([4, 10], logits.Dimensions.ToArray());
            AssertClose(expected.data<float>().ToArray(), logits.ToArray(), "logits");
            using var softmax = expected.softmax(1);
            AssertClose(softmax.data<float>().ToArray(), outputs.Single(o => o.Name == "probabilities").AsTensor<float>().ToArray(), "probabilities");
        }
        Assert.DoesNotContain(session.OutputMetadata.Keys, k => k == "score");
    }

    [Fact]
    public void MetadataRoundTripsThroughOnnxRuntime()
    {
        using var d = RandomDiscriminator(new DcganConfig { Channels = 1, Ndf = 8 }, seed: 1);
        var info = new OnnxExportInfo { Dataset = "builtin", ClassNames = ["a", "b"], Epochs = 2.5, Step = 97, Seed = 42, BatchNormStatistics = BatchNormRecipe.Recompute(50, 128) };
        using var session = new InferenceSession(DiscriminatorOnnxExporter.Build(d, info).ToByteArray());

        var metadata = session.ModelMetadata.CustomMetadataMap;

        Assert.Equal(DiscriminatorOnnxExporter.Contract(d.Config, info).ToMetadata().ToDictionary(p => p.Key, p => p.Value), metadata);
        Assert.Equal("1", metadata["mlnetgan.channels"]);
        Assert.Equal("-1,1", metadata["mlnetgan.pixel_range"]);
        Assert.Equal("[\"a\",\"b\"]", metadata["mlnetgan.class_names"]);
        Assert.Equal("2.5", metadata["mlnetgan.epochs"]);
        Assert.Equal("MlnetGan", session.ModelMetadata.ProducerName);
    }

    [Fact]
    public void GraphFollowsTheContract()
    {
        using var d = RandomDiscriminator(new DcganConfig(), seed: 2);
        var model = DiscriminatorOnnxExporter.Build(d, new OnnxExportInfo());

        Assert.Equal(8, model.IrVersion);
        Assert.Equal(17, model.OpsetImport.Single().Version);
        Assert.Equal(["image"], model.Graph.Input.Select(i => i.Name));
        Assert.Equal(["features", "score"], model.Graph.Output.Select(o => o.Name));
        Assert.Equal("N", model.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal([3L, 32, 32], model.Graph.Input[0].Type.TensorType.Shape.Dim.Skip(1).Select(x => x.DimValue));
        Assert.Equal(7168, model.Graph.Output[0].Type.TensorType.Shape.Dim[1].DimValue);
        Assert.Contains(model.Graph.Initializer, i => i.Name == "block2.conv.weight");
        Assert.Contains(model.Graph.Node, n => n.Name == "block3.bn" && n.OpType == "BatchNormalization");
        Assert.All(model.Graph.Node, n => Assert.False(string.IsNullOrEmpty(n.Name)));
    }

    [Fact]
    public void MlNetApplyOnnxModelGivesTheSameFeatures()
    {
        using var d = RandomDiscriminator(new DcganConfig { Ndf = 16 }, seed: 4);
        var path = Path.Combine(Path.GetTempPath(), $"mlnetgan-{Guid.NewGuid():N}.onnx");
        try
        {
            DiscriminatorOnnxExporter.Export(d, new OnnxExportInfo(), path);
            var (images, _) = RandomImages(d.Config, 3, seed: 8);
            using (images)
            using (var features = d.Features(images))
            {
                var expected = features.data<float>().ToArray();
                var pixels = images.data<float>().ToArray();
                var rows = Enumerable.Range(0, 3).Select(i => new ImageRow { Image = pixels.AsSpan(i * 3072, 3072).ToArray() }).ToList();
                var ml = new MLContext(seed: 0);
                var data = ml.Data.LoadFromEnumerable(rows);
                var transformer = ml.Transforms.ApplyOnnxModel(["features"], ["image"], path).Fit(data);
                var output = ml.Data.CreateEnumerable<FeatureRow>(transformer.Transform(data), reuseRowObject: false).ToList();
                AssertClose(expected, output.SelectMany(r => r.Features).ToArray(), "ML.NET features");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class ImageRow
    {
        [ColumnName("image"), VectorType(3, 32, 32)]
        public float[] Image { get; set; } = [];
    }

    private sealed class FeatureRow
    {
        [ColumnName("features"), VectorType((16 + 32 + 64) * 16)]
        public float[] Features { get; set; } = [];
    }

    private static void AssertParity(DcganDiscriminator d, int batch, int seed)
    {
        d.eval();
        using var session = new InferenceSession(DiscriminatorOnnxExporter.Build(d, new OnnxExportInfo()).ToByteArray());
        var (images, input) = RandomImages(d.Config, batch, seed);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var expectedFeatures = d.Features(images).data<float>().ToArray();
        var expectedScore = d.forward(images).sigmoid().data<float>().ToArray();
        images.Dispose();

        using var outputs = session.Run([NamedOnnxValue.CreateFromTensor("image", input)]);
        var features = outputs.Single(o => o.Name == "features").AsTensor<float>();
        var score = outputs.Single(o => o.Name == "score").AsTensor<float>();

        Assert.Equal([batch, d.Config.FeatureLength], features.Dimensions.ToArray());
        Assert.Equal([batch, 1], score.Dimensions.ToArray());
        AssertClose(expectedFeatures, features.ToArray(), "features");
        AssertClose(expectedScore, score.ToArray(), "score");
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst < Tolerance, $"{what}: max abs diff {worst} is not below {Tolerance}");
        Assert.Contains(expected, v => v != 0); // the comparison saw real activations
    }

    /// <summary>A discriminator with paper-style random weights and non-trivial BatchNorm statistics.</summary>
    private static DcganDiscriminator RandomDiscriminator(DcganConfig config, int seed)
    {
        var d = new DcganDiscriminator(config);
        using var generator = new Generator((ulong)seed, CPU);
        WeightInit.Apply(d, generator);
        using var noGrad = no_grad();
        foreach (var block in d.Blocks.Where(b => b.bn is not null))
        {
            block.bn!.running_mean!.normal_(0, 0.05, generator);
            block.bn.running_var!.uniform_(0.5, 1.5, generator);
            block.bn.bias!.normal_(0, 0.1, generator);
        }
        d.eval();
        return d;
    }

    private static (Tensor Images, DenseTensor<float> Input) RandomImages(DcganConfig config, int batch, int seed)
    {
        using var generator = new Generator((ulong)seed + 1000, CPU);
        var images = rand([batch, config.Channels, config.ImageSize, config.ImageSize], generator: generator).mul_(2).sub_(1);
        var input = new DenseTensor<float>(images.data<float>().ToArray(), [batch, config.Channels, config.ImageSize, config.ImageSize]);
        return (images, input);
    }
}
