using Microsoft.ML.OnnxRuntime;
using MlnetGan.Data;

namespace MlnetGan.ML;

/// <summary>A model file that cannot be used; the message names the file and the problem.</summary>
public sealed class DcganModelException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// What the featurizer needs to know about an exported discriminator: how to feed it (image size, channels, pixel range)
/// and what it returns (feature length, score or class probabilities). Read from the <see cref="DiscriminatorContract"/>
/// in the model's <c>mlnetgan.*</c> metadata; for an ONNX model without it, the input's fixed shape or explicit options
/// supply the image size and channels.
/// </summary>
public sealed record DcganModelInfo
{
    /// <summary>Name of the image input.</summary>
    public required string InputName { get; init; }

    /// <summary>Name of the feature output.</summary>
    public required string FeatureOutputName { get; init; }

    /// <summary>Name of the score output (DCGAN: probability real; K-class: class probabilities), or null when the model has none.</summary>
    public string? ScoreOutputName { get; init; }

    /// <summary>Side of the square images the model takes.</summary>
    public required int ImageSize { get; init; }

    /// <summary>Channels of the images the model takes: 1 (luminance) or 3 (R, G, B).</summary>
    public required int Channels { get; init; }

    /// <summary>Length of a feature vector.</summary>
    public required int FeatureLength { get; init; }

    /// <summary>Length of the score output (1 for a DCGAN, K for a semi-supervised model); 0 without one.</summary>
    public int ScoreLength { get; init; }

    /// <summary>The range the model expects its pixels in; byte pixels 0..255 are mapped linearly onto it.</summary>
    public PixelRange Pixels { get; init; } = PixelRange.Model;

    /// <summary>The contract recorded in the model's metadata; null for an ONNX model MlnetGan did not export.</summary>
    public DiscriminatorContract? Contract { get; init; }

    /// <summary>How the discriminator was trained; null for a model without MlnetGan metadata.</summary>
    public DiscriminatorMode? Mode => Contract?.Mode;

    /// <summary>Class names recorded in the model (may be empty).</summary>
    public IReadOnlyList<string> ClassNames => Contract?.ClassNames ?? [];

    /// <summary>All <c>metadata_props</c> of the model.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>Values per image: channels x size x size.</summary>
    public int PixelCount => Channels * ImageSize * ImageSize;

    /// <summary>Reads a model file's description; errors name the file.</summary>
    public static DcganModelInfo Read(string modelPath, int? imageSize = null, int? channels = null) =>
        Read(ReadModelBytes(modelPath), modelPath, imageSize, channels);

    /// <summary>The largest image side a model may declare (its input is allocated per batch from it).</summary>
    public const int MaxImageSize = 1024;

    /// <summary>The longest feature vector a model may declare.</summary>
    public const int MaxFeatureLength = 1 << 24;

    /// <summary>
    /// The bytes of a model file, with an error naming it when it is missing or unreadable. Tensors stored as external data
    /// are read from files in the model's own folder and inlined (locations that leave the folder are refused), so the
    /// bytes are self-contained.
    /// </summary>
    public static byte[] ReadModelBytes(string modelPath)
    {
        if (string.IsNullOrWhiteSpace(modelPath)) throw new ArgumentException("the model path is empty", nameof(modelPath));
        if (!File.Exists(modelPath)) throw new DcganModelException($"{modelPath}: model file not found");
        if (!RegularFile.Is(modelPath)) throw new DcganModelException($"{modelPath}: is not a regular file (a FIFO, socket or device is not read)");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(modelPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new DcganModelException($"{modelPath}: cannot be read ({e.Message})", e); }
        try { return OnnxExternalData.Inline(bytes, modelPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new DcganModelException($"{modelPath}: its external data cannot be read ({e.Message})", e); }
    }

    /// <summary>Reads the description of a model given as bytes; <paramref name="displayName"/> names it in errors.</summary>
    public static DcganModelInfo Read(byte[] model, string displayName, int? imageSize = null, int? channels = null)
    {
        OnnxExternalData.RefuseExternal(model, displayName);
        InferenceSession session;
        try { session = OnnxRuntimeNative.Call(() => new InferenceSession(model)); }
        catch (OnnxRuntimeException e) { throw new DcganModelException($"{displayName}: not a valid ONNX model ({FirstLine(e.Message)})", e); }
        using (session)
        {
            IReadOnlyDictionary<string, string> metadata;
            // ONNX Runtime 1.31's ModelMetadata throws NullReferenceException on some malformed metadata_props (found by fuzzing).
            try { metadata = session.ModelMetadata.CustomMetadataMap; }
            catch (NullReferenceException e) { throw new DcganModelException($"{displayName}: its metadata cannot be read (malformed metadata_props)", e); }
            if (session.InputMetadata.Count != 1)
                throw new DcganModelException($"{displayName}: has {session.InputMetadata.Count} inputs; a discriminator has one image input");
            var (inputName, input) = session.InputMetadata.First();
            if (!IsFloatTensor(input)) throw new DcganModelException($"{displayName}: its input '{inputName}' is not a float tensor");
            DiscriminatorContract? contract = null;
            if (DiscriminatorContract.IsRecordedIn(metadata))
            {
                try { contract = DiscriminatorContract.Parse(metadata); }
                catch (FormatException e) { throw new DcganModelException($"{displayName}: {e.Message}", e); }
            }
            const string features = DiscriminatorContract.FeaturesOutput;
            if (!session.OutputMetadata.TryGetValue(features, out var featureOutput))
                throw new DcganModelException($"{displayName}: has no '{features}' output (outputs: {string.Join(", ", session.OutputMetadata.Keys)}); was it exported by MlnetGan?");
            var scoreName = contract?.ScoreOutputName
                ?? new[] { DiscriminatorContract.ScoreOutput, DiscriminatorContract.ProbabilitiesOutput }.FirstOrDefault(session.OutputMetadata.ContainsKey);
            if (scoreName is not null && !session.OutputMetadata.ContainsKey(scoreName)) scoreName = null;
            if (!IsFloatTensor(featureOutput)) throw new DcganModelException($"{displayName}: its '{features}' output is not a float tensor");
            if (scoreName is not null && !IsFloatTensor(session.OutputMetadata[scoreName])) throw new DcganModelException($"{displayName}: its '{scoreName}' output is not a float tensor");

            bool recorded = contract is not null;
            int size = imageSize ?? contract?.ImageSize ?? FixedDim(input, 3) ?? FixedDim(input, 2)
                ?? throw new DcganModelException($"{displayName}: carries no MlnetGan metadata and its input has no fixed size; pass the image size explicitly");
            int channelCount = channels ?? contract?.Channels ?? FixedDim(input, 1)
                ?? throw new DcganModelException($"{displayName}: carries no MlnetGan metadata and its input has no fixed channel count; pass the channels explicitly");
            if (size < 1 || size > MaxImageSize)
                throw new DcganModelException($"{displayName}: {Describe("image_size", imageSize, recorded)} {size} is outside 1..{MaxImageSize}");
            if (channelCount is not (1 or 3))
                throw new DcganModelException($"{displayName}: {Describe("channels", channels, recorded)} {channelCount} is neither 1 nor 3");
            foreach (var (dimension, expected, key, given) in new[] { (2, size, "image_size", imageSize), (3, size, "image_size", imageSize), (1, channelCount, "channels", channels) })
            {
                if (FixedDim(input, dimension) is { } actual && actual != expected)
                    throw new DcganModelException($"{displayName}: {Describe(key, given, recorded)} {expected} contradicts its graph, whose input '{inputName}' is [{string.Join(", ", input.Dimensions)}]");
            }
            int featureLength = FixedDim(featureOutput, 1) ?? contract?.FeatureLength
                ?? throw new DcganModelException($"{displayName}: the '{features}' output has no fixed length");
            if (featureLength < 1 || featureLength > MaxFeatureLength)
                throw new DcganModelException($"{displayName}: feature length {featureLength} is outside 1..{MaxFeatureLength}");
            return new DcganModelInfo
            {
                InputName = inputName,
                FeatureOutputName = features,
                ScoreOutputName = scoreName,
                ScoreLength = scoreName is null ? 0 : FixedDim(session.OutputMetadata[scoreName], 1) ?? 0,
                ImageSize = size,
                Channels = channelCount,
                FeatureLength = featureLength,
                Pixels = contract?.Pixels ?? PixelRange.Model,
                Contract = contract,
                Metadata = new Dictionary<string, string>(metadata),
            };
        }
    }

    /// <summary>Where a size came from, for errors: the caller's option, the model's metadata or its input's shape.</summary>
    private static string Describe(string key, int? given, bool recorded) =>
        given is not null ? (key == "channels" ? "channel count" : "image size") :
        recorded ? $"metadata {DiscriminatorContract.MetadataPrefix}{key}: {key}" : $"its input's {key.Replace('_', ' ')}";

    private static int? FixedDim(NodeMetadata node, int index) =>
        node.IsTensor && node.Dimensions is { } dimensions && dimensions.Length > index && dimensions[index] > 0 ? dimensions[index] : null;

    private static bool IsFloatTensor(NodeMetadata node) => node.IsTensor && node.ElementType == typeof(float) && node.Dimensions is not null;

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
