using TorchSharp;
using System.Text.Json.Nodes;
using MlnetGan.Data;
using static TorchSharp.torch;

namespace MlnetGan.Gan.Tests;

/// <summary>bf16 mixed precision: float32 master weights, bfloat16 convolutions, float32 losses and checkpoints.</summary>
public class MixedPrecisionTests
{
    private static readonly DcganConfig Small = new() { Ngf = 16, Ndf = 16, Nz = 32 };

    private static ImageDataset Shapes(int count) => BuiltinShapes.GenerateSplit(seed: 3, split: 0, count, 32, 3);

    private static TrainingOptions Options(int epochs, TrainingPrecision precision) =>
        new() { Epochs = epochs, BatchSize = 32, Seed = 11, MetricsEvery = 5, CheckpointEvery = 0, Precision = precision };

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    public void Bf16ForwardAndGradientsTrackAFloat64ReferenceWithFloat32ParametersAndOutputs(int numClasses)
    {
        var config = Small with { NumClasses = numClasses };
        using var g = new DcganGenerator(config);
        using var d = new DcganDiscriminator(config);
        using (var generator = new Generator(7, CPU)) { WeightInit.Apply(g, generator); WeightInit.Apply(d, generator); }
        using var scope = NewDisposeScope();
        var z = randn(32, config.Nz, 1, 1, generator: new Generator(8, CPU));
        var upstream = randn(32, config.HeadOutputs, generator: new Generator(9, CPU));

        (Tensor Images, Tensor Logits, Tensor[] Gradients) Pass(ScalarType parameters, ScalarType? compute)
        {
            g.to(parameters);
            d.to(parameters);
            g.ComputeType = d.ComputeType = compute;
            g.zero_grad();
            d.zero_grad();
            var images = g.forward(z.to(parameters));
            var logits = d.forward(images);
            Assert.Equal(parameters, images.dtype);
            Assert.Equal(parameters, logits.dtype);
            (logits * upstream.to(parameters)).sum().backward();
            var gradients = g.parameters().Concat(d.parameters()).Select(p =>
            {
                Assert.Equal(parameters, p.grad!.dtype);
                return p.grad!.to(ScalarType.Float64);
            }).ToArray();
            return (images.detach().to(ScalarType.Float64), logits.detach().to(ScalarType.Float64), gradients);
        }

        var mixed = Pass(ScalarType.Float32, ScalarType.BFloat16);
        Assert.All(g.parameters().Concat(d.parameters()), p => Assert.Equal(ScalarType.Float32, p.dtype));
        var reference = Pass(ScalarType.Float64, null);
        var names = g.named_parameters().Select(p => "G." + p.name).Concat(d.named_parameters().Select(p => "D." + p.name)).ToArray();
        // bf16 keeps 8 significant bits (relative rounding 2^-9 = 0.2 %): measured here, G(z) and the logits are within about
        // 1 % of float64 and the gradients within 5-13 % (BatchNorm's backward pass subtracts means; float32 BatchNorm on bf16
        // activations measured the same). The image-side layers in bf16 kernels gave errors of 40-60 %.
        AssertClose("G(z)", mixed.Images, reference.Images, 0.03);
        AssertClose("D(G(z))", mixed.Logits, reference.Logits, 0.05);
        for (int i = 0; i < names.Length; i++) AssertClose($"gradient of {names[i]}", mixed.Gradients[i], reference.Gradients[i], 0.25);
    }

    [Fact]
    public void AdamUpdatesBelowBf16ResolutionReachTheFloat32MasterWeights()
    {
        // Adam's first update moves every weight with a gradient by the learning rate (m / sqrt(v) = sign of the gradient).
        // 1e-6 is below half a bf16 step of all but the smallest of D's weights (N(0, 0.02) at initialisation: a step of
        // 2^-13 = 1.2e-4 at 0.02), so weights stored in bf16 would round nearly every such update away; float32 master weights keep it.
        const double learningRate = 1e-6;
        using var g = new DcganGenerator(Small);
        using var d = new DcganDiscriminator(Small);
        using (var init = new Generator(5, CPU)) { WeightInit.Apply(g, init); WeightInit.Apply(d, init); }
        g.ComputeType = d.ComputeType = ScalarType.BFloat16;
        using var optG = optim.Adam(g.parameters(), learningRate, 0.5, 0.999);
        using var optD = optim.Adam(d.parameters(), learningRate, 0.5, 0.999);
        using var scope = NewDisposeScope();
        var weight = d.Blocks[1].conv.weight!;
        var before = weight.detach().clone();
        var real = TensorImages.ToModelRange(TensorImages.DatasetTensor(Shapes(32), CPU));

        new DcganStep(g, d, optG, optD).Run(real, DcganTrainer.Noise(1, RandomStream.TrainingNoise, 0, 32, Small.Nz, CPU));

        Assert.Equal(ScalarType.Float32, weight.dtype);
        var update = weight.detach() - before;
        var moved = update.abs().gt(learningRate / 2);
        double movedShare = moved.to_type(ScalarType.Float32).mean().item<float>();
        Assert.True(movedShare > 0.9, $"only {movedShare:P1} of the float32 weights moved by about the learning rate");
        double meanStep = update.abs().mean().item<float>();
        Assert.InRange(meanStep, 0.5 * learningRate, 1.5 * learningRate);
        var asBf16 = before.to_type(ScalarType.BFloat16);
        double keptInBf16 = (asBf16.to_type(ScalarType.Float32) + update).to_type(ScalarType.BFloat16).ne(asBf16).to_type(ScalarType.Float32).mean().item<float>();
        Assert.True(keptInBf16 < 0.05, $"{keptInBf16:P1} of the same updates would survive in bf16 weights; the test's learning rate is not below bf16's resolution");
    }

    [Fact]
    public void AutoIsResolvedRecordedAndKeptOnResume()
    {
        using var dir = new TempDirectory();
        var run = new RunFolder(dir.Path);
        var data = Shapes(64);

        var first = DcganTrainer.Train(data, run, Small, Options(1, TrainingPrecision.Auto), CPU);

        var resolved = TrainingPrecisions.Resolve(TrainingPrecision.Auto, CPU);
        Assert.NotEqual(TrainingPrecision.Auto, resolved);
        Assert.Equal(resolved, first.Precision);
        Assert.Equal(resolved, run.ReadConfig().Training.Precision);
        Assert.Contains($"\"precision\": \"{(resolved == TrainingPrecision.Bf16 ? "bf16" : "fp32")}\"", File.ReadAllText(run.ConfigPath));

        // A run trained in the other precision keeps it when resumed with auto, whatever this machine would pick.
        using var otherDir = new TempDirectory();
        var other = new RunFolder(otherDir.Path);
        var otherPrecision = resolved == TrainingPrecision.Bf16 ? TrainingPrecision.Fp32 : TrainingPrecision.Bf16;
        DcganTrainer.Train(data, other, Small, Options(1, otherPrecision), CPU);
        var resumed = DcganTrainer.Train(data, other, Small, Options(2, TrainingPrecision.Auto), CPU, resume: true);
        Assert.Equal(otherPrecision, resumed.Precision);
        Assert.Equal(otherPrecision, other.ReadConfig().Training.Precision);
    }

    [Fact]
    public void ConfigWrittenBeforeMixedPrecisionReadsAsFp32()
    {
        using var dir = new TempDirectory();
        var run = new RunFolder(dir.Path);
        DcganTrainer.Train(Shapes(64), run, Small, Options(1, TrainingPrecision.Bf16), CPU);
        var json = JsonNode.Parse(File.ReadAllText(run.ConfigPath))!;
        json["training"]!.AsObject().Remove("precision");
        File.WriteAllText(run.ConfigPath, json.ToJsonString());

        Assert.Equal(TrainingPrecision.Fp32, run.ReadConfig().Training.Precision);
    }

    [Fact]
    public void Bf16CheckpointsHoldFloat32Weights()
    {
        using var dir = new TempDirectory();
        var run = new RunFolder(dir.Path);
        DcganTrainer.Train(Shapes(64), run, Small, Options(1, TrainingPrecision.Bf16), CPU);
        using var g = new DcganGenerator(Small);
        using var d = new DcganDiscriminator(Small);

        CheckpointStore.Load(new CheckpointStore(run).LatestPathOrNull()!, g, d);

        Assert.All(g.state_dict().Concat(d.state_dict()).Where(p => p.Value.is_floating_point()), p => Assert.Equal(ScalarType.Float32, p.Value.dtype));
        Assert.Null(d.ComputeType);
    }

    /// <summary>Relative error in the Euclidean norm, ||actual - expected|| / ||expected||.</summary>
    private static void AssertClose(string what, Tensor actual, Tensor expected, double relativeTolerance)
    {
        double error = (actual - expected).norm().item<double>() / Math.Max(expected.norm().item<double>(), 1e-12);
        Assert.True(error < relativeTolerance, $"{what}: relative error {error:E2} against float64, above {relativeTolerance}");
    }
}
