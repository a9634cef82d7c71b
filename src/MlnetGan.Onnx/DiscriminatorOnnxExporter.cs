using Google.Protobuf;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.Onnx.Proto;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlnetGan.Onnx;

/// <summary>What the exporter records beside the network: provenance, how the BatchNorm statistics were made, the mode.</summary>
public sealed record OnnxExportInfo
{
    /// <summary>What the discriminator was trained on.</summary>
    public string Dataset { get; init; } = "";

    /// <summary>Class names, where known (semi-supervised models need them; DCGAN models record the dataset's).</summary>
    public IReadOnlyList<string> ClassNames { get; init; } = [];

    /// <summary>Training epochs completed (fractional when a run stopped mid-epoch).</summary>
    public double Epochs { get; init; }

    /// <summary>Training step of the checkpoint.</summary>
    public long Step { get; init; }

    /// <summary>The run's seed.</summary>
    public long Seed { get; init; }

    /// <summary>How the BatchNorm statistics were made.</summary>
    public BatchNormRecipe BatchNormStatistics { get; init; } = BatchNormRecipe.Running;

    /// <summary>The run's mode; null derives it from the head (1 logit: dcgan, K: semi-supervised).</summary>
    public DiscriminatorMode? Mode { get; init; }
}

/// <summary>
/// Writes a trained <see cref="DcganDiscriminator"/> as an ONNX model (opset 17, IR version 8) with the
/// <see cref="DiscriminatorContract"/> the ML.NET featurizer reads: input <c>image</c> float32 [N, C, S, S] in [-1, 1];
/// output <c>features</c> [N, F], every block's LeakyReLU output max-pooled to 4x4, flattened and concatenated in block
/// order; output <c>score</c> [N, 1] (sigmoid of the head) for a DCGAN, or for a K-class discriminator <c>logits</c>
/// [N, K] and their softmax <c>probabilities</c> [N, K] (the score, as ML.NET's multiclass trainers give it). BatchNorm is
/// kept as BatchNormalization nodes in inference form (not folded), so the graph mirrors the network and reads by block.
/// </summary>
public static class DiscriminatorOnnxExporter
{
    /// <summary>ONNX opset written.</summary>
    public const int Opset = 17;

    /// <summary>ONNX IR version written.</summary>
    public const int IrVersion = 8;

    /// <summary>Builds the ONNX model of <paramref name="discriminator"/> (its weights and BatchNorm statistics as they are now).</summary>
    public static ModelProto Build(DcganDiscriminator discriminator, OnnxExportInfo info)
    {
        var config = discriminator.Config;
        var contract = Contract(config, info);
        var graph = new OnnxGraphBuilder("mlnetgan_discriminator");
        graph.Input(DiscriminatorContract.ImageInput, "N", config.Channels, config.ImageSize, config.ImageSize);

        string x = DiscriminatorContract.ImageInput;
        var taps = new List<string>();
        for (int b = 0; b < config.BlockCount; b++)
        {
            var block = discriminator.Blocks[b];
            var prefix = $"block{b + 1}";
            x = graph.Node("Conv", [x, graph.Initializer($"{prefix}.conv.weight", Shape(block.conv.weight!), Values(block.conv.weight!))], [$"{prefix}.conv"], $"{prefix}.conv",
                OnnxGraphBuilder.Ints("kernel_shape", 4, 4), OnnxGraphBuilder.Ints("strides", 2, 2), OnnxGraphBuilder.Ints("pads", 1, 1, 1, 1));
            if (block.bn is { } bn) x = BatchNorm(graph, prefix, bn, x);
            x = graph.Node("LeakyRelu", [x], [$"{prefix}.act"], $"{prefix}.act", OnnxGraphBuilder.Float("alpha", (float)DiscriminatorBlock.LeakySlope));
            long pool = config.DiscriminatorSide(b) / 4;
            var grid = pool > 1
                ? graph.Node("MaxPool", [x], [$"{prefix}.pool"], $"{prefix}.pool", OnnxGraphBuilder.Ints("kernel_shape", pool, pool), OnnxGraphBuilder.Ints("strides", pool, pool))
                : x;
            taps.Add(graph.Node("Flatten", [grid], [$"{prefix}.features"], $"{prefix}.features", OnnxGraphBuilder.Int("axis", 1)));
        }
        var features = graph.Node("Concat", taps, [DiscriminatorContract.FeaturesOutput], DiscriminatorContract.FeaturesOutput, OnnxGraphBuilder.Int("axis", 1));
        graph.Output(features, "N", contract.FeatureLength);

        var head = graph.Node("Conv", [x, graph.Initializer("head.weight", Shape(discriminator.head.weight!), Values(discriminator.head.weight!))], ["head.conv"], "head.conv",
            OnnxGraphBuilder.Ints("kernel_shape", 4, 4), OnnxGraphBuilder.Ints("strides", 1, 1), OnnxGraphBuilder.Ints("pads", 0, 0, 0, 0));
        if (config.NumClasses > 0)
        {
            var logits = graph.Node("Flatten", [head], [DiscriminatorContract.LogitsOutput], "head.flatten", OnnxGraphBuilder.Int("axis", 1));
            graph.Output(logits, "N", config.NumClasses);
            var probabilities = graph.Node("Softmax", [logits], [DiscriminatorContract.ProbabilitiesOutput], DiscriminatorContract.ProbabilitiesOutput, OnnxGraphBuilder.Int("axis", 1));
            graph.Output(probabilities, "N", config.NumClasses);
        }
        else
        {
            var logit = graph.Node("Flatten", [head], ["head.flatten"], "head.flatten", OnnxGraphBuilder.Int("axis", 1));
            var score = graph.Node("Sigmoid", [logit], [DiscriminatorContract.ScoreOutput], DiscriminatorContract.ScoreOutput);
            graph.Output(score, "N", 1);
        }

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "MlnetGan",
            ProducerVersion = VersionInfo.Version,
            Domain = "mlnetgan",
            ModelVersion = 1,
            DocString = "DCGAN discriminator as an image featurizer (Radford et al. 2015): features = every conv block max-pooled to 4x4, concatenated.",
            Graph = graph.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in contract.ToMetadata()) model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    /// <summary>Exports to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public static void Export(DcganDiscriminator discriminator, OnnxExportInfo info, string path)
    {
        var bytes = Build(discriminator, info).ToByteArray();
        AtomicFile.WriteAllBytes(path, bytes);
    }

    /// <summary>The contract a discriminator of <paramref name="config"/> is exported with: what its metadata records.</summary>
    public static DiscriminatorContract Contract(DcganConfig config, OnnxExportInfo info) => new()
    {
        ImageSize = config.ImageSize,
        Channels = config.Channels,
        Nz = config.Nz,
        Ngf = config.Ngf,
        Ndf = config.Ndf,
        NumClasses = config.NumClasses,
        FeatureLength = config.FeatureLength,
        FeatureLayout = Enumerable.Range(0, config.BlockCount)
            .Select(b => new FeatureBlock($"block{b + 1}", config.DiscriminatorWidth(b), config.DiscriminatorSide(b), Grid: 4, config.DiscriminatorWidth(b) * 16)).ToArray(),
        Mode = info.Mode ?? (config.NumClasses > 0 ? DiscriminatorMode.SemiSupervised : DiscriminatorMode.Dcgan),
        BatchNorm = info.BatchNormStatistics,
        ClassNames = info.ClassNames,
        Dataset = info.Dataset,
        Epochs = info.Epochs,
        Step = info.Step,
        Seed = info.Seed,
        ProducerVersion = VersionInfo.Version,
    };

    private static string BatchNorm(OnnxGraphBuilder graph, string prefix, BatchNorm2d bn, string input)
    {
        var channels = new[] { bn.weight!.shape[0] };
        var inputs = new[]
        {
            input,
            graph.Initializer($"{prefix}.bn.weight", channels, Values(bn.weight!)),
            graph.Initializer($"{prefix}.bn.bias", channels, Values(bn.bias!)),
            graph.Initializer($"{prefix}.bn.running_mean", channels, Values(bn.running_mean!)),
            graph.Initializer($"{prefix}.bn.running_var", channels, Values(bn.running_var!)),
        };
        return graph.Node("BatchNormalization", inputs, [$"{prefix}.bn"], $"{prefix}.bn", OnnxGraphBuilder.Float("epsilon", (float)bn.eps));
    }

    private static long[] Shape(Tensor t) => t.shape;

    private static float[] Values(Tensor t)
    {
        using var cpu = t.detach().to(CPU).contiguous();
        return cpu.data<float>().ToArray();
    }
}
