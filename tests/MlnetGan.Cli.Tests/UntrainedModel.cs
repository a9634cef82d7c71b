using MlnetGan.Gan;
using MlnetGan.Onnx;
using static TorchSharp.torch;

namespace MlnetGan.Cli.Tests;

/// <summary>A small randomly initialised discriminator exported to ONNX: enough to featurize in CLI tests.</summary>
internal static class UntrainedModel
{
    public static string Write(TempDirectory dir, int ndf = 8, ulong seed = 7, string name = "untrained.onnx")
    {
        var path = dir.Combine(name);
        using var d = new DcganDiscriminator(new DcganConfig { Ndf = ndf });
        using (var generator = new Generator(seed, CPU)) WeightInit.Apply(d, generator);
        d.eval();
        DiscriminatorOnnxExporter.Export(d, new OnnxExportInfo(), path);
        return path;
    }
}
