using Google.Protobuf;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.Onnx.Proto;
using static TorchSharp.torch;

namespace MlnetGan.Onnx;

/// <summary>
/// The paper's "untrained discriminator" baseline: a randomly initialised discriminator of an exported model's shape,
/// with its BatchNorm statistics made by the model's own recipe, so both are featurized identically.
/// </summary>
public static class UntrainedBaseline
{
    /// <summary>The contract recorded in the metadata of a model MlnetGan exported; errors name the file.</summary>
    /// <param name="modelPath">The exported model (.onnx).</param>
    public static DiscriminatorContract ContractOf(string modelPath)
    {
        if (!File.Exists(modelPath)) throw new FileNotFoundException($"{modelPath}: model not found", modelPath);
        IReadOnlyDictionary<string, string> metadata;
        try
        {
            metadata = ModelProto.Parser.ParseFrom(File.ReadAllBytes(modelPath)).MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ArgumentException($"{modelPath}: not a valid ONNX model ({e.Message})", e);
        }
        if (!DiscriminatorContract.IsRecordedIn(metadata))
            throw new ArgumentException($"{modelPath}: has no MlnetGan metadata giving the discriminator's shape; the untrained baseline needs a model exported by MlnetGan");
        try { return DiscriminatorContract.Parse(metadata); }
        catch (FormatException e) { throw new ArgumentException($"{modelPath}: {e.Message}", e); }
    }

    /// <summary>The discriminator configuration <paramref name="contract"/> describes.</summary>
    /// <param name="contract">An exported model's contract.</param>
    public static DcganConfig ConfigOf(DiscriminatorContract contract) => new DcganConfig
    {
        ImageSize = contract.ImageSize, Channels = contract.Channels, Nz = contract.Nz, Ngf = contract.Ngf, Ndf = contract.Ndf, NumClasses = contract.NumClasses,
    }.Validate();

    /// <summary>
    /// Exports to <paramref name="path"/> a discriminator of <paramref name="trainedModelPath"/>'s shape with weights drawn
    /// from <paramref name="seed"/>, its BatchNorm statistics made by the trained model's recipe (see the other overload).
    /// </summary>
    /// <param name="trainedModelPath">The trained model (.onnx) the baseline stands beside.</param>
    /// <param name="train">Training images for recomputed statistics.</param>
    /// <param name="seed">Seed of the weights and of the recomputation's batches.</param>
    /// <param name="path">Where the baseline is written.</param>
    public static void Export(string trainedModelPath, ImageDataset train, long seed, string path)
    {
        var trained = ContractOf(trainedModelPath);
        if (trained.BatchNorm.IsRecomputed && trained.BatchNorm.BatchSize is null)
            throw new ArgumentException($"{trainedModelPath}: its BatchNorm statistics were recomputed ({trained.BatchNorm}) with a batch size it does not record; export it again to build the untrained baseline");
        Export(trained, train, seed, path);
    }

    /// <summary>
    /// Exports to <paramref name="path"/> a discriminator of <paramref name="trained"/>'s shape with weights drawn from
    /// <paramref name="seed"/>; when the trained model's BatchNorm statistics were recomputed, the baseline's are
    /// recomputed on <paramref name="train"/> by the same recipe (batches and batch size), else they stay the running defaults.
    /// </summary>
    /// <param name="trained">The contract of the trained model the baseline stands beside.</param>
    /// <param name="train">Training images for recomputed statistics.</param>
    /// <param name="seed">Seed of the weights and of the recomputation's batches.</param>
    /// <param name="path">Where the baseline is written.</param>
    public static void Export(DiscriminatorContract trained, ImageDataset train, long seed, string path)
    {
        using var d = new DcganDiscriminator(ConfigOf(trained));
        using (var generator = new TorchSharp.torch.Generator(SeedMixer.Mix(seed, 4), CPU)) WeightInit.Apply(d, generator);
        if (trained.BatchNorm.IsRecomputed) BatchNormStatistics.Recompute(d, train, trained.BatchNorm, seed, CPU);
        d.eval();
        DiscriminatorOnnxExporter.Export(d, new OnnxExportInfo { Dataset = "untrained", BatchNormStatistics = trained.BatchNorm, Seed = seed, ClassNames = train.ClassNames }, path);
    }
}
