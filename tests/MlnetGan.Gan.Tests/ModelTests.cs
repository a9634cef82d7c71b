using TorchSharp;
using static TorchSharp.torch;

namespace MlnetGan.Gan.Tests;

public class ModelTests
{
    [Theory]
    [InlineData(32, 3)]
    [InlineData(32, 1)]
    [InlineData(64, 3)]
    [InlineData(64, 1)]
    public void OutputShapes(int size, int channels)
    {
        var config = new DcganConfig { ImageSize = size, Channels = channels, Ngf = 8, Ndf = 8 };
        using var g = new DcganGenerator(config);
        using var d = new DcganDiscriminator(config);
        using var scope = NewDisposeScope();

        var images = g.forward(randn(5, config.Nz, 1, 1));
        var logits = d.forward(images);
        var features = d.Features(images);

        Assert.Equal([5L, channels, size, size], images.shape);
        Assert.Equal([5L, 1], logits.shape);
        Assert.Equal([5L, config.FeatureLength], features.shape);
        Assert.InRange(images.abs().max().item<float>(), 0f, 1f);
    }

    /// <summary>
    /// G's forward pass and every gradient of a G -> D pass in float32 equal the same network computed in float64, on
    /// this machine's default thread count. Float64 convolutions take other kernels than float32 ones, so this catches a CPU on which
    /// libtorch's float32 kernels compute wrong values (libtorch 2.10 on AMD family 26 gets a 4x4 convolution's input
    /// gradient and the first transposed convolution wrong unless those layers are matrix products).
    /// </summary>
    [Theory]
    [InlineData(32, 0)]
    [InlineData(32, 10)]
    [InlineData(64, 0)]
    public void Float32ForwardAndGradientsMatchAFloat64Reference(int size, int numClasses)
    {
        var config = new DcganConfig { ImageSize = size, Ngf = 16, Ndf = 16, Nz = 32, NumClasses = numClasses };
        using var g = new DcganGenerator(config);
        using var d = new DcganDiscriminator(config);
        using (var generator = new Generator(7, CPU)) { WeightInit.Apply(g, generator); WeightInit.Apply(d, generator); }
        using var scope = NewDisposeScope();
        var z = randn(32, config.Nz, 1, 1, generator: new Generator(8, CPU));
        var upstream = randn(32, config.HeadOutputs, generator: new Generator(9, CPU));

        (Tensor Images, Tensor Logits, Tensor[] Gradients) Pass(ScalarType type)
        {
            g.to(type);
            d.to(type);
            g.zero_grad();
            d.zero_grad();
            var images = g.forward(z.to(type));
            var logits = d.forward(images);
            (logits * upstream.to(type)).sum().backward();
            var gradients = g.parameters().Concat(d.parameters()).Select(p => p.grad!.to(ScalarType.Float64)).ToArray();
            return (images.detach().to(ScalarType.Float64), logits.detach().to(ScalarType.Float64), gradients);
        }

        var single = Pass(ScalarType.Float32);
        var reference = Pass(ScalarType.Float64);
        var names = g.named_parameters().Select(p => "G." + p.name).Concat(d.named_parameters().Select(p => "D." + p.name)).ToArray();
        AssertClose("G(z)", single.Images, reference.Images, 1e-4);
        AssertClose("D(G(z))", single.Logits, reference.Logits, 1e-4);
        for (int i = 0; i < names.Length; i++) AssertClose($"gradient of {names[i]}", single.Gradients[i], reference.Gradients[i], 1e-3);
    }

    private static void AssertClose(string what, Tensor actual, Tensor expected, double relativeTolerance)
    {
        double error = (actual - expected).abs().max().item<double>() / Math.Max(expected.abs().max().item<double>(), 1e-12);
        Assert.True(error < relativeTolerance, $"{what}: relative error {error:E2} against float64 (threads: {get_num_threads()})");
    }

    [Fact]
    public void FeatureLengthIsThePapersConstruction()
    {
        Assert.Equal(64 * 16 + 128 * 16 + 256 * 16, new DcganConfig().FeatureLength);
        Assert.Equal(7168, new DcganConfig().FeatureLength);
        Assert.Equal((64 + 128 + 256 + 512) * 16, new DcganConfig { ImageSize = 64 }.FeatureLength);
    }

    [Fact]
    public void ParameterCountsEqualPyTorchReferenceDcgan()
    {
        // PyTorch's DCGAN tutorial (64x64x3, nz 100, ngf = ndf = 64), counted by hand:
        // G: ConvT(100,512,4) 819,200 + BN 1,024 + ConvT(512,256) 2,097,152 + BN 512 + ConvT(256,128) 524,288 + BN 256
        //    + ConvT(128,64) 131,072 + BN 128 + ConvT(64,3) 3,072 = 3,576,704
        // D: Conv(3,64) 3,072 + Conv(64,128) 131,072 + BN 256 + Conv(128,256) 524,288 + BN 512 + Conv(256,512) 2,097,152
        //    + BN 1,024 + Conv(512,1) 8,192 = 2,765,568
        Assert.Equal(3_576_704, CountParameters(new DcganGenerator(new DcganConfig { ImageSize = 64 })));
        Assert.Equal(2_765_568, CountParameters(new DcganDiscriminator(new DcganConfig { ImageSize = 64 })));
        // 32x32x3: G: ConvT(100,256) 409,600 + 512 + ConvT(256,128) 524,288 + 256 + ConvT(128,64) 131,072 + 128 + ConvT(64,3) 3,072
        //          D: Conv(3,64) 3,072 + Conv(64,128) 131,072 + 256 + Conv(128,256) 524,288 + 512 + Conv(256,1) 4,096
        Assert.Equal(1_068_928, CountParameters(new DcganGenerator(new DcganConfig())));
        Assert.Equal(663_296, CountParameters(new DcganDiscriminator(new DcganConfig())));
        // 32x32x1 changes only the first D conv (1*64*16) and the last G conv (64*1*16).
        Assert.Equal(663_296 - 2 * 64 * 16, CountParameters(new DcganDiscriminator(new DcganConfig { Channels = 1 })));
        Assert.Equal(1_068_928 - 2 * 64 * 16, CountParameters(new DcganGenerator(new DcganConfig { Channels = 1 })));
    }

    [Fact]
    public void ParameterNamesReadLikePyTorch()
    {
        using var g = new DcganGenerator(new DcganConfig());
        using var d = new DcganDiscriminator(new DcganConfig());
        var gNames = g.named_parameters().Select(p => p.name).ToList();
        var dNames = d.state_dict().Keys.ToList();

        Assert.Contains("main.0.weight", gNames);
        Assert.Contains("main.1.weight", gNames);
        Assert.DoesNotContain(gNames, n => n.EndsWith("bias", StringComparison.Ordinal) && n.StartsWith("main.0", StringComparison.Ordinal));
        string[] expected = ["block1.conv.weight", "block2.conv.weight", "block2.bn.weight", "block2.bn.bias", "block2.bn.running_mean",
            "block2.bn.running_var", "block2.bn.num_batches_tracked", "block3.conv.weight", "block3.bn.weight", "block3.bn.bias",
            "block3.bn.running_mean", "block3.bn.running_var", "block3.bn.num_batches_tracked", "head.weight"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), dNames.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void InitialisationFollowsThePaper()
    {
        using var d = new DcganDiscriminator(new DcganConfig());
        using var generator = new Generator(42, CPU);
        WeightInit.Apply(d, generator);

        var conv = d.Blocks[1].conv.weight!;
        Assert.InRange(conv.mean().item<float>(), -0.002f, 0.002f);
        Assert.InRange(conv.std().item<float>(), 0.019f, 0.021f);
        var bn = d.Blocks[2].bn!;
        Assert.InRange(bn.weight!.mean().item<float>(), 0.99f, 1.01f);
        Assert.InRange(bn.weight.std().item<float>(), 0.015f, 0.025f);
        Assert.Equal(0f, bn.bias!.abs().sum().item<float>());
    }

    [Fact]
    public void SemiSupervisedHeadHasKLogits()
    {
        var config = new DcganConfig { NumClasses = 10, Ndf = 8 };
        using var d = new DcganDiscriminator(config);
        using var scope = NewDisposeScope();
        Assert.Equal([3L, 10], d.forward(randn(3, 3, 32, 32)).shape);
    }

    [Theory]
    [InlineData(48, 3, 0, "image size must be 32 or 64")]
    [InlineData(32, 2, 0, "channels must be 1 or 3")]
    [InlineData(32, 3, 1, "number of classes must be 0")]
    public void InvalidConfigurationsAreNamed(int size, int channels, int classes, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => new DcganConfig { ImageSize = size, Channels = channels, NumClasses = classes }.Validate());
        Assert.Contains(message, error.Message);
    }

    private static long CountParameters(nn.Module module)
    {
        using (module) return module.parameters().Sum(p => p.numel());
    }
}
