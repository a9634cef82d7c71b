using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlnetGan.Gan;

/// <summary>The DCGAN paper's initialisation: convolution weights N(0, 0.02), BatchNorm weights N(1, 0.02) and biases 0.</summary>
public static class WeightInit
{
    /// <summary>
    /// Initialises every convolution and BatchNorm layer of <paramref name="module"/> from <paramref name="generator"/>.
    /// (Tensor.normal_ is used because nn.init.normal_ ignores its generator in TorchSharp 0.107.)
    /// </summary>
    public static void Apply(nn.Module module, Generator generator)
    {
        using var noGrad = no_grad();
        foreach (var (_, child) in module.named_modules())
        {
            switch (child)
            {
                case Conv2d conv:
                    conv.weight.normal_(0.0, 0.02, generator);
                    if (conv.bias is not null) nn.init.zeros_(conv.bias);
                    break;
                case ConvTranspose2d deconv:
                    deconv.weight.normal_(0.0, 0.02, generator);
                    if (deconv.bias is not null) nn.init.zeros_(deconv.bias);
                    break;
                case BatchNorm2d bn:
                    bn.weight.normal_(1.0, 0.02, generator);
                    nn.init.zeros_(bn.bias);
                    break;
            }
        }
    }
}
