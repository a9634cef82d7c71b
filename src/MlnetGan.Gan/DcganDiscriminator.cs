using MlnetGan.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlnetGan.Gan;

/// <summary>One stride-2 discriminator block: Conv2d(4, 2, 1, no bias) -> BatchNorm2d (all but the first) -> LeakyReLU(0.2).</summary>
public sealed class DiscriminatorBlock : nn.Module<Tensor, Tensor>
{
    /// <summary>Negative slope of the block's LeakyReLU.</summary>
    public const double LeakySlope = 0.2;

    // Held for the process's life: TorchSharp frees a Scalar converted from a number only when the garbage collector
    // finalizes it, which a collection can do while the native call still reads it (NativeScalarLifetimeTests).
    private static readonly Scalar LeakySlopeScalar = LeakySlope.ToScalar();

    /// <summary>The block's convolution.</summary>
    public Conv2d conv;

    /// <summary>The block's BatchNorm, or null for the first block.</summary>
    public BatchNorm2d? bn;

    /// <summary>Builds a block from <paramref name="inChannels"/> to <paramref name="outChannels"/>.</summary>
    public DiscriminatorBlock(string name, long inChannels, long outChannels, bool batchNorm) : base(name)
    {
        conv = nn.Conv2d(inChannels, outChannels, kernel_size: 4, stride: 2, padding: 1L, bias: false);
        bn = batchNorm ? nn.BatchNorm2d(outChannels) : null;
        RegisterComponents();
    }

    /// <summary>
    /// [N, in, S, S] -> [N, out, S/2, S/2], computed in the input's type: the (float32) convolution weight is cast to it,
    /// and BatchNorm takes a bfloat16 input with its float32 scale, shift and statistics.
    /// </summary>
    public override Tensor forward(Tensor input)
    {
        var x = nn.functional.conv2d(input, conv.weight!.AsType(input.dtype), null, strides: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 1);
        if (bn is not null) x = bn.forward(x);
        return Activate(x);
    }

    /// <summary>The block's LeakyReLU(<see cref="LeakySlope"/>).</summary>
    public static Tensor Activate(Tensor x) => x.leaky_relu(LeakySlopeScalar);

}

/// <summary>
/// The DCGAN discriminator: image [N, C, S, S] -> logits [N, K] (K = 1 for a DCGAN; K classes in semi-supervised mode).
/// Stride-2 blocks named <c>block1</c>, <c>block2</c>, ... then a 4x4 valid convolution <c>head</c>. It returns logits,
/// not probabilities: the DCGAN probability is the sigmoid of the logit (training uses BCE-with-logits, which is the
/// paper's BCE on a sigmoid output, computed stably).
/// </summary>
public sealed class DcganDiscriminator : nn.Module<Tensor, Tensor>
{
    private readonly List<DiscriminatorBlock> blocks = [];
    private torch.Generator? regularizationSource;

    /// <summary>The final 4x4 convolution to the logits.</summary>
    public Conv2d head;

    /// <summary>
    /// Loads libtorch through TorchSharp's own loader before the first native call. A module's constructor calls libtorch
    /// directly, and where the loader has not run (a .NET Interactive kernel, whose probing paths do not hold the
    /// native packages) that call cannot find the library.
    /// </summary>
    static DcganDiscriminator() => torch.InitializeDeviceType(DeviceType.CPU);

    /// <summary>Builds the layers for <paramref name="config"/>.</summary>
    public DcganDiscriminator(DcganConfig config) : base("discriminator")
    {
        config.Validate();
        Config = config;
        long inChannels = config.Channels;
        for (int b = 0; b < config.BlockCount; b++)
        {
            var block = new DiscriminatorBlock($"block{b + 1}", inChannels, config.DiscriminatorWidth(b), batchNorm: b > 0);
            blocks.Add(block);
            register_module($"block{b + 1}", block);
            inChannels = config.DiscriminatorWidth(b);
        }
        head = nn.Conv2d(inChannels, config.HeadOutputs, kernel_size: 4, stride: 1, padding: 0L, bias: false);
        register_module("head", head);
    }

    /// <summary>The configuration this discriminator was built for.</summary>
    public DcganConfig Config { get; }

    /// <summary>The stride-2 blocks in order.</summary>
    public IReadOnlyList<DiscriminatorBlock> Blocks => blocks;

    /// <summary>
    /// The type the convolutions and activations run in (bfloat16 for <see cref="TrainingPrecision.Bf16"/>); null, the
    /// default, computes in the parameters' own type. Parameters and BatchNorm statistics keep their type, and the logits
    /// come back in it.
    /// </summary>
    public ScalarType? ComputeType { get; set; }

    /// <summary>
    /// Training-time regularisation (input noise, dropout after each block); applied only in training mode and only
    /// after <see cref="SeedRegularization"/> gave it a random stream. None by default (the DCGAN paper's D).
    /// </summary>
    public DiscriminatorRegularization Regularization { get; set; } = DiscriminatorRegularization.None;

    /// <summary>
    /// Restarts the random stream of the regularisation noise and dropout masks from <paramref name="seed"/> (drawn on
    /// the CPU, so a seed gives the same masks on every device). The trainer reseeds it every step.
    /// </summary>
    public void SeedRegularization(ulong seed)
    {
        regularizationSource?.Dispose();
        regularizationSource = new torch.Generator(seed, CPU);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor image) => ForwardWithActivations(image).Logits;

    /// <summary>
    /// The logits (in the parameters' type) and every block's activation (after its LeakyReLU, before any dropout, in
    /// <see cref="ComputeType"/>), in block order.
    /// </summary>
    public (Tensor Logits, IReadOnlyList<Tensor> Activations) ForwardWithActivations(Tensor image)
    {
        bool regularize = training && Regularization.IsActive;
        if (regularize && regularizationSource is null)
            throw new InvalidOperationException("the discriminator's regularisation needs a random stream: call SeedRegularization before training");
        var activations = new List<Tensor>(blocks.Count);
        var x = image;
        if (regularize && Regularization.InputNoise > 0)
        {
            using var noiseScale = Regularization.InputNoise.ToScalar();
            x = image + Random(image, normal: true).mul_(noiseScale);
        }
        var parameterType = head.weight!.dtype;
        var computeType = ComputeType ?? parameterType; // state size: nc x S x S
        foreach (var block in blocks)
        {
            // Each block runs in the compute type, except one with too few channels for the bf16 kernels (the first: nc in).
            x = block.forward(x.AsType(TrainingPrecisions.ConvolutionType(computeType, parameterType, block.conv.in_channels, block.conv.out_channels)))
                .AsType(computeType); // state size: (ndf * 2^b) x S/2^(b+1) x S/2^(b+1), down to (ndf * 2^(blocks-1)) x 4 x 4
            activations.Add(x);
            if (regularize && Regularization.Dropout > 0)
            {
                using var rate = Regularization.Dropout.ToScalar();
                using var keep = (1 - Regularization.Dropout).ToScalar();
                x = x * Random(x, normal: false).ge_(rate).div_(keep).AsType(x.dtype);
            }
        }
        // The head is a 4x4 valid convolution over the last 4x4 map: one output per class, i.e. a matrix product.
        // Computed as one (x [N, C*16] times weight [K, C*16]^T), because libtorch 2.10's float32 CPU kernels compute the input
        // gradient of this convolution wrongly on some CPUs (seen on AMD family 26; BENCHMARKS.md).
        var logits = nn.functional.linear(x.flatten(1), head.weight!.flatten(1).AsType(x.dtype)); // state size: K
        return (logits.AsType(parameterType), activations);
    }

    private Tensor Random(Tensor like, bool normal)
    {
        var values = normal ? randn(like.shape, generator: regularizationSource) : rand(like.shape, generator: regularizationSource);
        return TensorImages.MoveTo(values, like.device);
    }

    /// <summary>
    /// The paper's feature vector [N, F]: every block's activation max-pooled to a 4x4 grid (kernel = stride = side / 4),
    /// flattened (channel-major) and concatenated in block order.
    /// </summary>
    public Tensor Features(Tensor image)
    {
        var (_, activations) = ForwardWithActivations(image);
        return PoolFeatures(activations);
    }

    /// <summary>Max-pools each activation to 4x4 and concatenates them flattened, as <see cref="Features"/> does.</summary>
    public static Tensor PoolFeatures(IReadOnlyList<Tensor> activations)
    {
        var pooled = activations.Select(a =>
        {
            long k = a.shape[^1] / 4;
            var grid = k > 1 ? nn.functional.max_pool2d(a, k, k) : a;
            return grid.flatten(1);
        }).ToArray();
        return cat(pooled, 1);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) regularizationSource?.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// Salimans et al.'s (2016) regularisation of a classifying discriminator, used in training only: Gaussian noise of
/// standard deviation <see cref="InputNoise"/> added to the input images (in [-1, 1]) and dropout with rate
/// <see cref="Dropout"/> after every block (before the next block or the head).
/// </summary>
public sealed record DiscriminatorRegularization(double InputNoise, double Dropout)
{
    /// <summary>No regularisation: the DCGAN paper's discriminator.</summary>
    public static DiscriminatorRegularization None { get; } = new(0, 0);

    /// <summary>Whether any regularisation is on.</summary>
    public bool IsActive => InputNoise > 0 || Dropout > 0;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public DiscriminatorRegularization Validate()
    {
        if (!(InputNoise >= 0) || double.IsInfinity(InputNoise)) throw new InvalidSettingException(name => $"discriminator input noise ({name(nameof(TrainingOptions.DiscriminatorInputNoise))}) must be a finite standard deviation >= 0, not {InputNoise}");
        if (!(Dropout is >= 0 and < 1)) throw new InvalidSettingException(name => $"discriminator dropout ({name(nameof(TrainingOptions.DiscriminatorDropout))}) must lie in [0, 1), not {Dropout}");
        return this;
    }
}
