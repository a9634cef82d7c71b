using System.Globalization;
using System.Text.Json;

namespace MlnetGan.Data;

/// <summary>
/// The contract of a discriminator exported by MlnetGan, written once: the ONNX graph's input and output names, the pixel
/// range it expects, and what its <c>metadata_props</c> record (network shape, mode, BatchNorm recipe, provenance). The
/// exporter writes it (<see cref="ToMetadata"/>); the featurizer and the untrained baseline read it back (<see cref="Parse"/>).
/// It lives beside the datasets, which every other project references, so ML.NET code reads it without TorchSharp.
/// </summary>
public sealed record DiscriminatorContract
{
    /// <summary>The metadata format written.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The graph's input: float32 [N, C, S, S] in <see cref="Pixels"/>.</summary>
    public const string ImageInput = "image";

    /// <summary>The feature output: float32 [N, <see cref="FeatureLength"/>], every block max-pooled to 4x4, concatenated.</summary>
    public const string FeaturesOutput = "features";

    /// <summary>A DCGAN's score output: float32 [N, 1], the sigmoid of the head (probability real).</summary>
    public const string ScoreOutput = "score";

    /// <summary>A K-class discriminator's head: float32 [N, K] logits.</summary>
    public const string LogitsOutput = "logits";

    /// <summary>A K-class discriminator's score output: float32 [N, K], the softmax of <see cref="LogitsOutput"/>.</summary>
    public const string ProbabilitiesOutput = "probabilities";

    /// <summary>The prefix of every metadata key.</summary>
    public const string MetadataPrefix = "mlnetgan.";

    /// <summary>The metadata key that marks a model as MlnetGan's (<c>mlnetgan.format_version</c>).</summary>
    public const string FormatVersionKey = MetadataPrefix + "format_version";

    private static readonly JsonSerializerOptions LayoutJson = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Side of the square input images.</summary>
    public required int ImageSize { get; init; }

    /// <summary>Input channels: 1 (gray) or 3 (R, G, B).</summary>
    public required int Channels { get; init; }

    /// <summary>The generator's latent size the discriminator was trained with.</summary>
    public required int Nz { get; init; }

    /// <summary>The generator's width.</summary>
    public required int Ngf { get; init; }

    /// <summary>The discriminator's first-layer width.</summary>
    public required int Ndf { get; init; }

    /// <summary>K for a K-class discriminator; 0 for a DCGAN's single real/fake logit.</summary>
    public int NumClasses { get; init; }

    /// <summary>Length of a feature vector.</summary>
    public required int FeatureLength { get; init; }

    /// <summary>Where each block's features lie in the feature vector, in block order.</summary>
    public required IReadOnlyList<FeatureBlock> FeatureLayout { get; init; }

    /// <summary>How the discriminator was trained.</summary>
    public required DiscriminatorMode Mode { get; init; }

    /// <summary>The range the input pixels are expected in.</summary>
    public PixelRange Pixels { get; init; } = PixelRange.Model;

    /// <summary>How the BatchNorm statistics were made.</summary>
    public BatchNormRecipe BatchNorm { get; init; } = BatchNormRecipe.Running;

    /// <summary>Class names, where known (a K-class discriminator's, or the training dataset's).</summary>
    public IReadOnlyList<string> ClassNames { get; init; } = [];

    /// <summary>What the discriminator was trained on.</summary>
    public string Dataset { get; init; } = "";

    /// <summary>Training epochs completed (fractional when a run stopped mid-epoch).</summary>
    public double Epochs { get; init; }

    /// <summary>Training step of the checkpoint.</summary>
    public long Step { get; init; }

    /// <summary>The run's seed.</summary>
    public long Seed { get; init; }

    /// <summary>The MlnetGan version that exported the model.</summary>
    public string ProducerVersion { get; init; } = "";

    /// <summary>The metadata format version.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>The score output's name: <see cref="ProbabilitiesOutput"/> for a K-class discriminator, else <see cref="ScoreOutput"/>.</summary>
    public string ScoreOutputName => NumClasses > 0 ? ProbabilitiesOutput : ScoreOutput;

    /// <summary>The metadata, in the order written.</summary>
    public IReadOnlyList<(string Key, string Value)> ToMetadata()
    {
        static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        var metadata = new List<(string Key, string Value)>
        {
            (FormatVersionKey, I(FormatVersion)),
            (Key.Mode, Mode.Name()),
            (Key.ImageSize, I(ImageSize)),
            (Key.Channels, I(Channels)),
            (Key.PixelRange, Pixels.ToString()),
            (Key.ChannelOrder, Channels == 3 ? "rgb" : "gray"),
            (Key.Input, ImageInput),
            (Key.FeatureOutput, FeaturesOutput),
            (Key.FeatureLength, I(FeatureLength)),
            (Key.FeatureLayout, JsonSerializer.Serialize(FeatureLayout, LayoutJson)),
            (Key.ScoreOutput, ScoreOutputName),
            (Key.ClassNames, JsonSerializer.Serialize(ClassNames)),
            (Key.BatchNorm, BatchNorm.ToString()),
        };
        if (BatchNorm.BatchSize is { } batchSize) metadata.Add((Key.BatchNormBatchSize, I(batchSize)));
        metadata.AddRange(
        [
            (Key.Nz, I(Nz)),
            (Key.Ndf, I(Ndf)),
            (Key.Ngf, I(Ngf)),
            (Key.Dataset, Dataset),
            (Key.Epochs, Epochs.ToString("0.###", CultureInfo.InvariantCulture)),
            (Key.Step, I(Step)),
            (Key.Seed, I(Seed)),
            (Key.Version, ProducerVersion),
        ]);
        return metadata;
    }

    /// <summary>Whether <paramref name="metadata"/> carries MlnetGan's contract (it has <see cref="FormatVersionKey"/>).</summary>
    /// <param name="metadata">A model's <c>metadata_props</c>.</param>
    public static bool IsRecordedIn(IReadOnlyDictionary<string, string> metadata) => metadata.ContainsKey(FormatVersionKey);

    /// <summary>
    /// Reads the contract from a model's <c>metadata_props</c>. The input and feature output names and the channel order
    /// are fixed by the contract and not read; a K-class discriminator's class count is that of its class names.
    /// </summary>
    /// <param name="metadata">A model's <c>metadata_props</c>.</param>
    /// <exception cref="FormatException">A key is missing or its value is malformed; the message names the key.</exception>
    public static DiscriminatorContract Parse(IReadOnlyDictionary<string, string> metadata)
    {
        string Text(string key) => metadata.TryGetValue(key, out var value) ? value : throw new FormatException($"metadata {key} is missing");
        T Read<T>(string key, Func<string, T> parse)
        {
            var text = Text(key);
            try { return parse(text); }
            catch (Exception e) when (e is FormatException or OverflowException or JsonException)
            {
                throw new FormatException($"metadata {key} '{text}' is malformed ({e.Message})", e);
            }
        }
        int Int(string key) => Read(key, t => int.Parse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
        long Long(string key) => Read(key, t => long.Parse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));

        var classNames = Read(Key.ClassNames, t => (IReadOnlyList<string>)(JsonSerializer.Deserialize<string?[]>(t) ?? []).Select(n => n ?? "").ToArray());
        var scoreOutput = Read(Key.ScoreOutput, t => t is ScoreOutput or ProbabilitiesOutput ? t : throw new FormatException($"not '{ScoreOutput}' or '{ProbabilitiesOutput}'"));
        return new DiscriminatorContract
        {
            FormatVersion = Int(FormatVersionKey),
            Mode = Read(Key.Mode, DiscriminatorModes.Parse),
            ImageSize = Int(Key.ImageSize),
            Channels = Int(Key.Channels),
            Pixels = Read(Key.PixelRange, PixelRange.Parse),
            FeatureLength = Int(Key.FeatureLength),
            FeatureLayout = Read(Key.FeatureLayout, t => (IReadOnlyList<FeatureBlock>?)JsonSerializer.Deserialize<FeatureBlock[]>(t, LayoutJson) ?? []),
            NumClasses = scoreOutput == ProbabilitiesOutput ? classNames.Count : 0,
            ClassNames = classNames,
            BatchNorm = Read(Key.BatchNorm, t => BatchNormRecipe.Parse(t, metadata.GetValueOrDefault(Key.BatchNormBatchSize))),
            Nz = Int(Key.Nz),
            Ndf = Int(Key.Ndf),
            Ngf = Int(Key.Ngf),
            Dataset = Text(Key.Dataset),
            Epochs = Read(Key.Epochs, t => double.Parse(t, NumberStyles.Float, CultureInfo.InvariantCulture)),
            Step = Long(Key.Step),
            Seed = Long(Key.Seed),
            ProducerVersion = Text(Key.Version),
        };
    }

    /// <summary>The metadata keys (each <see cref="MetadataPrefix"/> + a name).</summary>
    public static class Key
    {
        /// <summary>The mode's name (<see cref="DiscriminatorModes.Name"/>).</summary>
        public const string Mode = MetadataPrefix + "mode";

        /// <summary>Side of the input images.</summary>
        public const string ImageSize = MetadataPrefix + "image_size";

        /// <summary>Input channels.</summary>
        public const string Channels = MetadataPrefix + "channels";

        /// <summary>The pixel range, <c>min,max</c>.</summary>
        public const string PixelRange = MetadataPrefix + "pixel_range";

        /// <summary><c>rgb</c> or <c>gray</c>.</summary>
        public const string ChannelOrder = MetadataPrefix + "channel_order";

        /// <summary>The input's name.</summary>
        public const string Input = MetadataPrefix + "input";

        /// <summary>The feature output's name.</summary>
        public const string FeatureOutput = MetadataPrefix + "feature_output";

        /// <summary>Length of a feature vector.</summary>
        public const string FeatureLength = MetadataPrefix + "feature_length";

        /// <summary>The feature layout, a JSON array of <see cref="FeatureBlock"/>.</summary>
        public const string FeatureLayout = MetadataPrefix + "feature_layout";

        /// <summary>The score output's name.</summary>
        public const string ScoreOutput = MetadataPrefix + "score_output";

        /// <summary>Class names, a JSON array of strings.</summary>
        public const string ClassNames = MetadataPrefix + "class_names";

        /// <summary>The BatchNorm recipe's short form (<see cref="BatchNormRecipe.ToString"/>).</summary>
        public const string BatchNorm = MetadataPrefix + "bn_stats";

        /// <summary>A recomputation's batch size (written with recomputed statistics only).</summary>
        public const string BatchNormBatchSize = MetadataPrefix + "bn_batch_size";

        /// <summary>The latent size.</summary>
        public const string Nz = MetadataPrefix + "nz";

        /// <summary>The discriminator's width.</summary>
        public const string Ndf = MetadataPrefix + "ndf";

        /// <summary>The generator's width.</summary>
        public const string Ngf = MetadataPrefix + "ngf";

        /// <summary>The training dataset.</summary>
        public const string Dataset = MetadataPrefix + "dataset";

        /// <summary>Epochs completed.</summary>
        public const string Epochs = MetadataPrefix + "epochs";

        /// <summary>Training step.</summary>
        public const string Step = MetadataPrefix + "step";

        /// <summary>The run's seed.</summary>
        public const string Seed = MetadataPrefix + "seed";

        /// <summary>The exporting MlnetGan version.</summary>
        public const string Version = MetadataPrefix + "version";
    }
}

/// <summary>One discriminator block's part of the feature vector.</summary>
/// <param name="Name">The block's name in the graph (<c>block1</c>, ...).</param>
/// <param name="Channels">The block's channels.</param>
/// <param name="Side">The block's output side before pooling.</param>
/// <param name="Grid">The pooled grid's side (4).</param>
/// <param name="Length">Features of the block: channels x grid x grid.</param>
public sealed record FeatureBlock(string Name, int Channels, int Side, int Grid, int Length);
