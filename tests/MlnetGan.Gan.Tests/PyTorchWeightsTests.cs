using static TorchSharp.torch;

namespace MlnetGan.Gan.Tests;

/// <summary>
/// PyTorch state dicts in and out (<see cref="PyTorchWeights"/>), checked against files and outputs of real PyTorch
/// (Fixtures/pytorch, written by make_fixtures.py; no Python is needed to run these tests).
/// </summary>
public class PyTorchWeightsTests
{
    private const float Tolerance = 1e-4f;

    private static (DcganGenerator Generator, DcganDiscriminator Discriminator) Import(PyTorchFixture fixture)
    {
        using var g = PyTorchWeights.Read(fixture.Generator);
        using var d = PyTorchWeights.Read(fixture.Discriminator);
        var config = PyTorchWeights.InferConfig(g, d);
        var generator = new DcganGenerator(config);
        var discriminator = new DcganDiscriminator(config);
        PyTorchWeights.Load(generator, g);
        PyTorchWeights.Load(discriminator, d);
        generator.eval();
        discriminator.eval();
        return (generator, discriminator);
    }

    [Theory]
    [MemberData(nameof(PyTorchFixture.Variants), MemberType = typeof(PyTorchFixture))]
    public void ShapesAreInferredFromTheFiles(string variant)
    {
        var fixture = PyTorchFixture.Load(variant);
        var (generator, discriminator) = Import(fixture);
        using (generator)
        using (discriminator)
            Assert.Equal(new DcganConfig { ImageSize = fixture.ImageSize, Channels = fixture.Channels, Nz = fixture.Nz, Ngf = fixture.Ngf, Ndf = fixture.Ndf }, generator.Config);
    }

    [Theory]
    [MemberData(nameof(PyTorchFixture.Variants), MemberType = typeof(PyTorchFixture))]
    public void ImportedDiscriminatorGivesPyTorchsLogitsAndFeatures(string variant)
    {
        var fixture = PyTorchFixture.Load(variant);
        var (generator, discriminator) = Import(fixture);
        using (generator)
        using (discriminator)
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var images = tensor(fixture.Images).view(fixture.DiscriminatorImages, fixture.Channels, fixture.ImageSize, fixture.ImageSize);
            var (logits, activations) = discriminator.ForwardWithActivations(images);
            var features = DcganDiscriminator.PoolFeatures(activations);

            AssertClose(fixture.Logits, logits);
            AssertClose(fixture.Features, features);
        }
    }

    [Theory]
    [MemberData(nameof(PyTorchFixture.Variants), MemberType = typeof(PyTorchFixture))]
    public void ImportedGeneratorGivesPyTorchsImages(string variant)
    {
        var fixture = PyTorchFixture.Load(variant);
        var (generator, discriminator) = Import(fixture);
        using (generator)
        using (discriminator)
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var z = tensor(fixture.Latents).view(fixture.GeneratorLatents, fixture.Nz, 1, 1);
            AssertClose(fixture.GeneratedImages, generator.forward(z));
        }
    }

    [Theory]
    [InlineData(64, 3)]
    [InlineData(64, 1)]
    [InlineData(32, 3)]
    [InlineData(32, 1)]
    public void RoundTripThroughPyTorchFilesIsBitExact(int imageSize, int channels)
    {
        using var dir = new TempDirectory();
        var config = new DcganConfig { ImageSize = imageSize, Channels = channels, Nz = 6, Ngf = 3, Ndf = 5 };
        using var generator = new DcganGenerator(config);
        using var discriminator = new DcganDiscriminator(config);
        Randomize(generator, 1);
        Randomize(discriminator, 2);

        PyTorchWeights.Save(generator, dir.Combine("netG.pth"));
        PyTorchWeights.Save(discriminator, dir.Combine("netD.pth"));
        using var g = PyTorchWeights.Read(dir.Combine("netG.pth"));
        using var d = PyTorchWeights.Read(dir.Combine("netD.pth"));
        var inferred = PyTorchWeights.InferConfig(g, d);
        using var generatorBack = new DcganGenerator(inferred);
        using var discriminatorBack = new DcganDiscriminator(inferred);
        PyTorchWeights.Load(generatorBack, g);
        PyTorchWeights.Load(discriminatorBack, d);

        Assert.Equal(config, inferred);
        AssertSameTensors(generator, generatorBack);
        AssertSameTensors(discriminator, discriminatorBack);
        Assert.Equal(generator.state_dict().Keys.Order(), g.Tensors.Keys.Order()); // main.py's names are the generator's own
        Assert.Contains($"main.{3 * config.BlockCount - 1}.weight", d.Tensors.Keys); // the head, before main.py's Sigmoid
    }

    [Fact]
    public void DiscriminatorNamesAreMainPysLayerPositions()
    {
        using var d64 = new DcganDiscriminator(new DcganConfig { ImageSize = 64, Ndf = 4 });
        var names = PyTorchWeights.DiscriminatorNames(d64).ToDictionary(n => n.Ours, n => n.PyTorch);

        Assert.Equal("main.0.weight", names["block1.conv.weight"]);
        Assert.Equal("main.2.weight", names["block2.conv.weight"]);
        Assert.Equal("main.3.running_var", names["block2.bn.running_var"]);
        Assert.Equal("main.9.num_batches_tracked", names["block4.bn.num_batches_tracked"]);
        Assert.Equal("main.11.weight", names["head.weight"]);
        Assert.Equal(1 + 3 * 6 + 1, names.Count); // block1.conv, three blocks of conv + five BatchNorm tensors, the head
    }

    [Fact]
    public void AnUnrelatedStateDictIsRefusedNamingTheFile()
    {
        var resnet = PyTorchFixture.Foreign("resnet_like.pth");
        var fixture = PyTorchFixture.Load("gray64");
        using var g = PyTorchWeights.Read(fixture.Generator);
        using var d = PyTorchWeights.Read(resnet);

        var error = Assert.Throws<RunException>(() => PyTorchWeights.InferConfig(g, d));

        Assert.StartsWith(resnet + ": is not a DCGAN discriminator", error.Message);
        Assert.Contains("conv1.weight", error.Message);
    }

    [Fact]
    public void AMissingTensorIsNamed()
    {
        var missing = PyTorchFixture.Foreign("netD-missing-running-var.pth");
        var fixture = PyTorchFixture.Load("gray64");
        using var g = PyTorchWeights.Read(fixture.Generator);
        using var d = PyTorchWeights.Read(missing);
        using var discriminator = new DcganDiscriminator(PyTorchWeights.InferConfig(g, d));

        var error = Assert.Throws<RunException>(() => PyTorchWeights.Load(discriminator, d));

        Assert.StartsWith(missing + ": ", error.Message);
        Assert.Contains("it lacks main.3.running_var", error.Message);
    }

    [Fact]
    public void AShapeOtherThanTheGivenSettingsIsNamed()
    {
        var fixture = PyTorchFixture.Load("gray64");
        using var g = PyTorchWeights.Read(fixture.Generator);
        using var d = PyTorchWeights.Read(fixture.Discriminator);
        using var generator = new DcganGenerator(PyTorchWeights.InferConfig(g, d, new PyTorchModelSettings { Nz = 100 }));

        var error = Assert.Throws<RunException>(() => PyTorchWeights.Load(generator, g));

        Assert.Equal($"{fixture.Generator}: main.0.weight has shape [8, 16, 4, 4], but a DCGAN generator of 64x64x1 nz=100 ngf=2 ndf=2 has [100, 16, 4, 4] there", error.Message);
    }

    [Theory]
    [InlineData("not a zip at all")]
    [InlineData("PK\u0003\u0004 a truncated zip")]
    public void AFileThatIsNotAStateDictIsRefusedNamingIt(string content)
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("netD.pth");
        File.WriteAllText(path, content);

        var error = Assert.Throws<RunException>(() => PyTorchWeights.Read(path));

        Assert.StartsWith(path + ": is not a PyTorch state dict", error.Message);
    }

    private static void Randomize(nn.Module module, ulong seed)
    {
        using var generator = new Generator(seed, CPU);
        WeightInit.Apply(module, generator);
        using var noGrad = no_grad();
        foreach (var (name, buffer) in module.named_buffers())
        {
            if (name.EndsWith("running_mean", StringComparison.Ordinal)) buffer.copy_(randn(buffer.shape, generator: generator));
            else if (name.EndsWith("running_var", StringComparison.Ordinal)) buffer.copy_(rand(buffer.shape, generator: generator) + 0.5);
            else if (name.EndsWith("num_batches_tracked", StringComparison.Ordinal)) buffer.fill_(1234567890123L);
        }
    }

    private static void AssertSameTensors(nn.Module expected, nn.Module actual)
    {
        var a = expected.state_dict();
        var b = actual.state_dict();
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var key in a.Keys)
        {
            Assert.Equal(a[key].dtype, b[key].dtype);
            Assert.Equal(a[key].shape, b[key].shape);
            Assert.True(a[key].bytes.SequenceEqual(b[key].bytes), $"{key} differs after the round trip");
        }
    }

    private static void AssertClose(float[] expected, Tensor actual)
    {
        var values = actual.contiguous().data<float>().ToArray();
        Assert.Equal(expected.Length, values.Length);
        float worst = expected.Zip(values, (e, v) => Math.Abs(e - v)).Max();
        Assert.True(worst < Tolerance, $"max abs difference {worst} (tolerance {Tolerance})");
    }
}
