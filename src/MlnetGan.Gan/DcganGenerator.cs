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
            Add(layers, nn.ConvTranspose2d(width, width / 2, 4, stride: 2, padding: 1, bias: false));
            Add(layers, nn.BatchNorm2d(width / 2));
            Add(layers, nn.ReLU(inplace: true));
            width /= 2;
        }
        Add(layers, nn.ConvTranspose2d(width, config.Channels, 4, stride: 2, padding: 1, bias: false));
        Add(layers, nn.Tanh());
        main = nn.Sequential(layers);
        RegisterComponents();
    }

    /// <summary>The configuration this generator was built for.</summary>
    public DcganConfig Config { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor z)
    {
        // The first layer, a 4x4 transposed convolution of the 1x1 latent map, is a matrix product:
        // z [N, nz] times weight [nz, C*16] -> [N, C, 4, 4]. Computed so, because libtorch 2.10's float32 CPU kernels compute this
        // transposed convolution wrongly on some CPUs (seen on AMD family 26; BENCHMARKS.md).
        var first = (ConvTranspose2d)main[0];
        var weight = first.weight!;
        var x = z.flatten(1).matmul(weight.flatten(1)).view(z.shape[0], weight.shape[1], 4, 4); // state size: (ngf * 2^k) x 4 x 4
        for (int i = 1; i < main.Count; i++) x = ((nn.Module<Tensor, Tensor>)main[i]).forward(x);
        return x;
    }

    private static void Add(List<(string, nn.Module<Tensor, Tensor>)> layers, nn.Module<Tensor, Tensor> layer) =>
        layers.Add((layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer));

}
