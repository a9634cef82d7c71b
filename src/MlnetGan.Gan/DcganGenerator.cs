using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlnetGan.Gan;

/// <summary>
/// The DCGAN generator: z [N, nz, 1, 1] -> image [N, C, S, S] in [-1, 1]. Layer for layer PyTorch's DCGAN
/// (a <c>main</c> Sequential of ConvTranspose2d / BatchNorm2d / ReLU, no biases, Tanh out), so parameter names read
/// <c>main.0.weight</c>, <c>main.1.weight</c>, ...
/// </summary>
public sealed class DcganGenerator : nn.Module<Tensor, Tensor>
{
    private readonly Sequential main;

    /// <summary>
    /// Loads libtorch through TorchSharp's own loader before the first native call. A module's constructor calls libtorch
    /// directly, and where the loader has not run (a .NET Interactive kernel, whose probing paths do not hold the
    /// native packages) that call cannot find the library.
    /// </summary>
    static DcganGenerator() => torch.InitializeDeviceType(DeviceType.CPU);

    /// <summary>Builds the layers for <paramref name="config"/> (weights are PyTorch's defaults until <see cref="WeightInit"/>).</summary>
    public DcganGenerator(DcganConfig config) : base("generator")
    {
        config.Validate();
        Config = config;
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        int width = config.Ngf << (config.BlockCount - 1);
        Add(layers, nn.ConvTranspose2d(config.Nz, width, 4, stride: 1, padding: 0, bias: false));
        Add(layers, nn.BatchNorm2d(width));
        Add(layers, nn.ReLU(inplace: true));
        for (int b = 1; b < config.BlockCount; b++)
        {
            Add(layers, nn.ConvTranspose2d(width, width / 2, 4, stride: 2, padding: 1, bias: false)); // forward runs it as conv_transpose2d(stride 2, padding 1)
            Add(layers, nn.BatchNorm2d(width / 2));
            Add(layers, nn.ReLU(inplace: true));
            width /= 2;
        }
        Add(layers, nn.ConvTranspose2d(width, config.Channels, 4, stride: 2, padding: 1, bias: false)); // likewise
        Add(layers, nn.Tanh());
        main = nn.Sequential(layers);
        RegisterComponents();
    }

    /// <summary>The configuration this generator was built for.</summary>
    public DcganConfig Config { get; }

    /// <summary>
    /// The type the transposed convolutions and activations run in (bfloat16 for <see cref="TrainingPrecision.Bf16"/>); null,
    /// the default, computes in the parameters' own type. Parameters and BatchNorm statistics keep their type, and the images
    /// come back in it.
    /// </summary>
    public ScalarType? ComputeType { get; set; }

    /// <summary>z [N, nz, 1, 1] -> images [N, nc, S, S] in [-1, 1].</summary>
    public override Tensor forward(Tensor z)
    {
        // The first layer, a 4x4 transposed convolution of the 1x1 latent map, is a matrix product:
        // z [N, nz] times weight [nz, C*16] -> [N, C, 4, 4]. Computed so, because libtorch 2.10's float32 CPU kernels compute this
        // transposed convolution wrongly on some CPUs (seen on AMD family 26; BENCHMARKS.md).
        var first = (ConvTranspose2d)main[0];
        var weight = first.weight!;
        var parameterType = weight.dtype;
        var computeType = ComputeType ?? parameterType;
        var x = z.AsType(computeType).flatten(1).matmul(weight.AsType(computeType).flatten(1)).view(z.shape[0], weight.shape[1], 4, 4); // state size: (ngf * 2^(blocks-1)) x 4 x 4
        for (int i = 1; i < main.Count; i++)
        {
            // Each stride-2 ConvTranspose2d doubles the side and halves the width: ... -> ngf x S/2 x S/2 -> nc x S x S.
            // The last one, to nc channels, has too few channels for the bf16 kernels and runs in the parameters' type.
            if (main[i] is ConvTranspose2d up)
            {
                var layerType = TrainingPrecisions.ConvolutionType(computeType, parameterType, up.in_channels, up.out_channels);
                x = nn.functional.conv_transpose2d(x.AsType(layerType), up.weight!.AsType(layerType), null, strides: [2, 2], padding: [1, 1], output_padding: [0, 0], dilation: [1, 1], groups: 1);
            }
            else
            {
                x = ((nn.Module<Tensor, Tensor>)main[i]).forward(x);
            }
        }
        return x.AsType(parameterType); // state size: nc x S x S
    }

    private static void Add(List<(string, nn.Module<Tensor, Tensor>)> layers, nn.Module<Tensor, Tensor> layer) =>
        layers.Add((layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer));

}
