using Microsoft.ML.Data;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.Onnx;
using static TorchSharp.torch;

namespace MlnetGan.ML.Tests;

/// <summary>Small exported discriminators and image rows for the tests.</summary>
internal static class TestModels
{
    /// <summary>A random-weight discriminator exported to a temporary file (deleted with the folder).</summary>
    public static string Export(TempDirectory dir, DcganConfig config, int seed = 1, string name = "d.onnx")
    {
        using var d = new DcganDiscriminator(config);
        using (var generator = new Generator((ulong)seed, CPU)) WeightInit.Apply(d, generator);
        d.eval();
        var path = dir.Combine(name);
        DiscriminatorOnnxExporter.Export(d, new OnnxExportInfo { Dataset = "test", ClassNames = BuiltinShapes.ClassNames }, path);
        return path;
    }

    public static readonly DcganConfig Small = new() { Ndf = 16 };

    /// <summary>Rows of planar 0..255 pixels with their index and label.</summary>
    public static List<PixelRow> Rows(ImageDataset images) =>
        Enumerable.Range(0, images.Count).Select(i => new PixelRow
        {
            Index = (uint)i,
            Label = images.ClassNames[images.Labels[i]],
            Pixels = images.GetImage(i).ToArray().Select(b => (float)b).ToArray(),
        }).ToList();
}

public sealed class PixelRow
{
    public uint Index { get; set; }

    public string Label { get; set; } = "";

    [VectorType(3 * 32 * 32)]
    public float[] Pixels { get; set; } = [];
}

/// <summary>A row whose Pixels column is text: input the featurizer must refuse, naming the column.</summary>
public sealed class TextPixelRow
{
    public string Pixels { get; set; } = "";
}

public sealed class FeatureRow
{
    public uint Index { get; set; }

    [VectorType((16 + 32 + 64) * 16)]
    public float[] Features { get; set; } = [];
}
