using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.Onnx.Proto;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlnetGan.Onnx;

/// <summary>Provenance and options recorded in an exported model's <c>metadata_props</c>.</summary>
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

    /// <summary>Where the BatchNorm statistics come from: <c>running</c> averages or <c>recompute</c>d over training batches.</summary>
    public string BatchNormStatistics { get; init; } = "running";

    /// <summary>The run's mode (dcgan, semi-supervised, supervised); null derives it from the head (1 logit: dcgan).</summary>
    public string? Mode { get; init; }
}

/// <summary>
/// Writes a trained <see cref="DcganDiscriminator"/> as an ONNX model (opset 17, IR version 8) with the contract the
/// ML.NET featurizer reads: input <c>image</c> float32 [N, C, S, S] in [-1, 1]; output <c>features</c> [N, F], every
/// block's LeakyReLU output max-pooled to 4x4, flattened and concatenated in block order; output <c>score</c> [N, 1]
/// (sigmoid of the head) for a DCGAN, or for a K-class discriminator <c>logits</c> [N, K] and their softmax
/// <c>probabilities</c> [N, K] (the score, as ML.NET's multiclass trainers give it). BatchNorm is kept as
/// BatchNormalization nodes in inference form (not folded), so the graph mirrors the network and reads by block.
/// </summary>
public static class DiscriminatorOnnxExporter
{
    /// <summary>ONNX opset written.</summary>
    public const int Opset = 17;

    /// <summary>ONNX IR version written.</summary>
    public const int IrVersion = 8;

    /// <summary>Prefix of MlnetGan's metadata keys.</summary>
    public const string MetadataPrefix = "mlnetgan.";

    /// <summary>Builds the ONNX model of <paramref name="discriminator"/> (its weights and BatchNorm statistics as they are now).</summary>
    public static ModelProto Build(DcganDiscriminator discriminator, OnnxExportInfo info)
    {
        var config = discriminator.Config;
        var graph = new OnnxGraphBuilder("mlnetgan_discriminator");
        graph.Input("image", "N", config.Channels, config.ImageSize, config.ImageSize);

        string x = "image";
        var taps = new List<string>();
        for (int b = 0; b < config.BlockCount; b++)
        {
            var block = discriminator.Blocks[b];
            var prefix = $"block{b + 1}";
            x = graph.Node("Conv", $"{prefix}.conv", [x, graph.Initializer($"{prefix}.conv.weight", Shape(block.conv.weight!), Values(block.conv.weight!))],
                OnnxGraphBuilder.Ints("kernel_shape", 4, 4), OnnxGraphBuilder.Ints("strides", 2, 2), OnnxGraphBuilder.Ints("pads", 1, 1, 1, 1));
            if (block.bn is { } bn) x = BatchNorm(graph, prefix, bn, x);
            x = graph.Node("LeakyRelu", $"{prefix}.act", [x], OnnxGraphBuilder.Float("alpha", (float)DiscriminatorBlock.LeakySlope));
            long pool = config.DiscriminatorSide(b) / 4;
            var grid = pool > 1
                ? graph.Node("MaxPool", $"{prefix}.pool", [x], OnnxGraphBuilder.Ints("kernel_shape", pool, pool), OnnxGraphBuilder.Ints("strides", pool, pool))
                : x;
            taps.Add(graph.Node("Flatten", $"{prefix}.features", [grid], OnnxGraphBuilder.Int("axis", 1)));
        }
        graph.Node("Concat", "features", taps, OnnxGraphBuilder.Int("axis", 1));
        graph.Output("features", "N", config.FeatureLength);

        var head = graph.Node("Conv", "head.conv", [x, graph.Initializer("head.weight", Shape(discriminator.head.weight!), Values(discriminator.head.weight!))],
            OnnxGraphBuilder.Ints("kernel_shape", 4, 4), OnnxGraphBuilder.Ints("strides", 1, 1), OnnxGraphBuilder.Ints("pads", 0, 0, 0, 0));
        var logits = graph.Node("Flatten", "head.flatten", [head], OnnxGraphBuilder.Int("axis", 1));
        if (config.NumClasses > 0)
        {
            graph.RenameLastOutput("logits");
            graph.Output("logits", "N", config.NumClasses);
            graph.Node("Softmax", "probabilities", ["logits"], OnnxGraphBuilder.Int("axis", 1));
            graph.Output("probabilities", "N", config.NumClasses);
        }
        else
        {
            graph.Node("Sigmoid", "score", [logits]);
            graph.Output("score", "N", 1);
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
        foreach (var (key, value) in Metadata(config, info)) model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    /// <summary>Exports to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public static void Export(DcganDiscriminator discriminator, OnnxExportInfo info, string path)
    {
        var bytes = Build(discriminator, info).ToByteArray();
        AtomicFile.WriteAllBytes(path, bytes);
    }

    /// <summary>The metadata the featurizer reads: how to feed the model, what its outputs mean, and provenance.</summary>
    public static IReadOnlyList<(string Key, string Value)> Metadata(DcganConfig config, OnnxExportInfo info)
    {
        var blocks = Enumerable.Range(0, config.BlockCount).Select(b => new
        {
            name = $"block{b + 1}", channels = config.DiscriminatorWidth(b), side = config.DiscriminatorSide(b), grid = 4,
            length = config.DiscriminatorWidth(b) * 16,
        }).ToArray();
        string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        return
        [
            (MetadataPrefix + "format_version", "1"),
            (MetadataPrefix + "mode", info.Mode ?? (config.NumClasses > 0 ? "semi-supervised" : "dcgan")),
            (MetadataPrefix + "image_size", I(config.ImageSize)),
            (MetadataPrefix + "channels", I(config.Channels)),
            (MetadataPrefix + "pixel_range", "-1,1"),
            (MetadataPrefix + "channel_order", config.Channels == 3 ? "rgb" : "gray"),
            (MetadataPrefix + "input", "image"),
            (MetadataPrefix + "feature_output", "features"),
            (MetadataPrefix + "feature_length", I(config.FeatureLength)),
            (MetadataPrefix + "feature_layout", JsonSerializer.Serialize(blocks)),
            (MetadataPrefix + "score_output", config.NumClasses > 0 ? "probabilities" : "score"),
            (MetadataPrefix + "class_names", JsonSerializer.Serialize(info.ClassNames)),
            (MetadataPrefix + "bn_stats", info.BatchNormStatistics),
            (MetadataPrefix + "nz", I(config.Nz)),
            (MetadataPrefix + "ndf", I(config.Ndf)),
            (MetadataPrefix + "ngf", I(config.Ngf)),
            (MetadataPrefix + "dataset", info.Dataset),
            (MetadataPrefix + "epochs", info.Epochs.ToString("0.###", CultureInfo.InvariantCulture)),
            (MetadataPrefix + "step", I(info.Step)),
            (MetadataPrefix + "seed", I(info.Seed)),
            (MetadataPrefix + "version", VersionInfo.Version),
        ];
    }

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
        return graph.Node("BatchNormalization", $"{prefix}.bn", inputs, OnnxGraphBuilder.Float("epsilon", (float)bn.eps));
    }

    private static long[] Shape(Tensor t) => t.shape;

    private static float[] Values(Tensor t)
    {
        using var cpu = t.detach().to(CPU).contiguous();
        return cpu.data<float>().ToArray();
    }
}
