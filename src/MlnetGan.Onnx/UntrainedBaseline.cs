using System.Globalization;
using Google.Protobuf;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.Onnx.Proto;
using static TorchSharp.torch;

namespace MlnetGan.Onnx;

/// <summary>
/// The paper's "untrained discriminator" baseline: a randomly initialised discriminator of an exported model's shape,
/// with its BatchNorm statistics made the way the model's were, so both are featurized identically.
/// </summary>
public static class UntrainedBaseline
{
    /// <summary>The discriminator configuration recorded in the metadata of a model MlnetGan exported.</summary>
    public static DcganConfig ConfigOf(string modelPath)
    {
        var metadata = Metadata(modelPath);
        string? Value(string key) => metadata.GetValueOrDefault(DiscriminatorOnnxExporter.MetadataPrefix + key);
        int Get(string key, int fallback) => int.TryParse(Value(key), CultureInfo.InvariantCulture, out var v) ? v : fallback;
        if (Value("ndf") is null || Value("image_size") is null)
            throw new ArgumentException($"{modelPath}: has no MlnetGan metadata giving the discriminator's shape; the untrained baseline needs a model exported by MlnetGan");
        int classes = Value("score_output") == "probabilities" ? System.Text.Json.JsonSerializer.Deserialize<string[]>(Value("class_names") ?? "[]")!.Length : 0;
        return new DcganConfig
        {
            ImageSize = Get("image_size", 32), Channels = Get("channels", 3), Nz = Get("nz", 100), Ngf = Get("ngf", 64), Ndf = Get("ndf", 64), NumClasses = classes,
        }.Validate();
    }

    /// <summary>
    /// Exports to <paramref name="path"/> a discriminator of <paramref name="trainedModelPath"/>'s shape with weights drawn
    /// from <paramref name="seed"/>; BatchNorm statistics recomputed on <paramref name="train"/> when the trained model's were.
    /// </summary>
    public static void Export(string trainedModelPath, ImageDataset train, long seed, string path)
    {
        var config = ConfigOf(trainedModelPath);
        var bn = Metadata(trainedModelPath).GetValueOrDefault(DiscriminatorOnnxExporter.MetadataPrefix + "bn_stats", "running");
        using var d = new DcganDiscriminator(config);
        using (var generator = new TorchSharp.torch.Generator(SeedMixer.Mix(seed, 4), CPU)) WeightInit.Apply(d, generator);
        if (bn.StartsWith("recompute", StringComparison.Ordinal))
        {
            int batches = int.TryParse(bn.Split(':').ElementAtOrDefault(1), CultureInfo.InvariantCulture, out var n) ? n : 50;
            BatchNormStatistics.Recompute(d, train, batches, 128, seed, CPU);
        }
        d.eval();
        DiscriminatorOnnxExporter.Export(d, new OnnxExportInfo { Dataset = "untrained", BatchNormStatistics = bn, Seed = seed, ClassNames = train.ClassNames }, path);
    }

    private static Dictionary<string, string> Metadata(string modelPath)
    {
        if (!File.Exists(modelPath)) throw new FileNotFoundException($"{modelPath}: model not found", modelPath);
        try
        {
            return ModelProto.Parser.ParseFrom(File.ReadAllBytes(modelPath)).MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ArgumentException($"{modelPath}: not a valid ONNX model ({e.Message})", e);
        }
    }
}
