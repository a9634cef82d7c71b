using MlnetGan.Data;
using static TorchSharp.torch;

namespace MlnetGan.Gan.Tests;

public class DiscriminatorRegularizationTests
{
    private static readonly DcganConfig Config = new() { Ngf = 8, Ndf = 8, NumClasses = 10 };

    private static Tensor Images() => rand([6, 3, 32, 32], generator: new TorchSharp.torch.Generator(11)) * 2 - 1;

    [Fact]
    public void InputNoiseEqualsAddingSeededGaussianNoiseByHand()
    {
        using var d = new DcganDiscriminator(Config);
        using var scope = NewDisposeScope();
        var images = Images();
        d.Regularization = new DiscriminatorRegularization(InputNoise: 0.3, Dropout: 0);
        d.SeedRegularization(42);
        var regularized = d.forward(images);

        using var source = new TorchSharp.torch.Generator(42);
        var byHand = images + randn(images.shape, generator: source) * 0.3;
        d.Regularization = DiscriminatorRegularization.None;
        var expected = d.forward(byHand);

        Assert.True(regularized.allclose(expected, rtol: 1e-5, atol: 1e-6));
        Assert.False(regularized.allclose(d.forward(images), rtol: 1e-3, atol: 1e-3));
    }

    [Fact]
    public void DropoutEqualsAnInvertedBernoulliMaskAfterEachBlock()
    {
        using var d = new DcganDiscriminator(Config);
        using var scope = NewDisposeScope();
        var images = Images();
        d.Regularization = new DiscriminatorRegularization(InputNoise: 0, Dropout: 0.4);
        d.SeedRegularization(7);
        var (_, activations) = d.ForwardWithActivations(images);

        using var source = new TorchSharp.torch.Generator(7);
        var first = d.Blocks[0].forward(images);
        var mask = rand(first.shape, generator: source).ge(0.4).to_type(ScalarType.Float32);
        var second = d.Blocks[1].forward(first * mask / 0.6);

        Assert.True(activations[0].allclose(first, rtol: 1e-5, atol: 1e-6));
        Assert.True(activations[1].allclose(second, rtol: 1e-5, atol: 1e-6));
        double dropped = 1 - mask.mean().item<float>();
        Assert.InRange(dropped, 0.37, 0.43);
    }

    [Fact]
    public void TheSameSeedGivesTheSameOutputAndEvalModeIgnoresRegularization()
    {
        using var d = new DcganDiscriminator(Config);
        using var scope = NewDisposeScope();
        var images = Images();
        d.Regularization = new DiscriminatorRegularization(InputNoise: 0.2, Dropout: 0.5);

        d.SeedRegularization(1);
        var a = d.forward(images);
        d.SeedRegularization(1);
        var b = d.forward(images);
        d.SeedRegularization(2);
        var c = d.forward(images);
        Assert.True(a.eq(b).all().item<bool>());
        Assert.False(a.allclose(c, rtol: 1e-3, atol: 1e-3));

        d.eval();
        var evaluated = d.forward(images);
        d.Regularization = DiscriminatorRegularization.None;
        Assert.True(evaluated.eq(d.forward(images)).all().item<bool>());
    }

    [Fact]
    public void TrainingWithoutARandomStreamIsRefused()
    {
        using var d = new DcganDiscriminator(Config) { Regularization = new DiscriminatorRegularization(0.1, 0) };
        using var scope = NewDisposeScope();
        var error = Assert.Throws<InvalidOperationException>(() => d.forward(Images()));
        Assert.Contains("SeedRegularization", error.Message);
    }

    [Theory]
    [InlineData(-0.1, 0.0, "discriminator input noise (DiscriminatorInputNoise) must be a finite standard deviation >= 0, not -0.1")]
    [InlineData(double.NaN, 0.0, "discriminator input noise (DiscriminatorInputNoise)")]
    [InlineData(0.0, 1.0, "discriminator dropout (DiscriminatorDropout) must lie in [0, 1), not 1")]
    [InlineData(0.0, -0.5, "discriminator dropout (DiscriminatorDropout) must lie in [0, 1), not -0.5")]
    public void InvalidSettingsAreNamed(double inputNoise, double dropout, string message)
    {
        var error = Assert.Throws<InvalidSettingException>(() => new TrainingOptions { DiscriminatorInputNoise = inputNoise, DiscriminatorDropout = dropout }.Validate());
        Assert.StartsWith(message, error.Message);
    }
}
