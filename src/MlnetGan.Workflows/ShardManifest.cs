using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using MlnetGan.Data;

namespace MlnetGan.Workflows;

/// <summary>The number of images of one split of a featurized selection.</summary>
/// <param name="Name">The split: <c>train</c> or <c>test</c>.</param>
/// <param name="Count">Its images.</param>
public sealed record SplitCount(string Name, int Count);

/// <summary>
/// What a shard's feature file holds, written beside it as <c>&lt;file&gt;.manifest.json</c> once the file is complete:
/// which model and dataset it was made from, which shard of which selection it is, and the file's own SHA-256. A finished
/// shard is a feature file whose manifest is present and whose SHA-256 matches; gathering checks the manifests against
/// each other before reading a row.
/// </summary>
public sealed record ShardManifest
{
    /// <summary>What <see cref="Kind"/> holds in every shard manifest.</summary>
    public const string ShardKind = "mlnetgan-feature-shard";

    /// <summary>The file name suffix of a manifest: <c>features-0.parquet</c> has <c>features-0.parquet.manifest.json</c>.</summary>
    public const string Suffix = ".manifest.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Marks the file as a shard manifest: <see cref="ShardKind"/>.</summary>
    public string Kind { get; init; } = ShardKind;

    /// <summary>This shard's number, from 0.</summary>
    public required int Shard { get; init; }

    /// <summary>How many shards the selection is cut into.</summary>
    public required int ShardCount { get; init; }

    /// <summary>The feature file's name, in the manifest's folder.</summary>
    public required string File { get; init; }

    /// <summary>The feature file's format.</summary>
    public required FeatureFileFormat Format { get; init; }

    /// <summary>The feature file's SHA-256 (lower-case hex).</summary>
    public required string FileSha256 { get; init; }

    /// <summary>The SHA-256 of the model's bytes as featurized (external data inlined), lower-case hex.</summary>
    public required string ModelSha256 { get; init; }

    /// <summary>The fingerprint of the selected images (<see cref="FeaturizeWorkflow.Fingerprint"/>): the same on every machine that has the same images.</summary>
    public required string DatasetFingerprint { get; init; }

    /// <summary>The dataset as this shard's machine named it (a full path or <c>builtin</c>): for people, never compared.</summary>
    public string? Data { get; init; }

    /// <summary>The splits selected.</summary>
    public required FeatureSplit Split { get; init; }

    /// <summary>The images of each selected split, in row order.</summary>
    public required IReadOnlyList<SplitCount> Splits { get; init; }

    /// <summary>Rows of the whole selection, all shards together.</summary>
    public required long TotalRows { get; init; }

    /// <summary>This shard's first row in the whole selection (train rows first, then test rows).</summary>
    public required long FirstRow { get; init; }

    /// <summary>This shard's rows.</summary>
    public required long RowCount { get; init; }

    /// <summary>Features per row.</summary>
    public required int FeatureLength { get; init; }

    /// <summary>The MlnetGan version that wrote the shard.</summary>
    public string? MlnetGanVersion { get; init; }

    /// <summary>The manifest of the feature file <paramref name="featureFile"/>.</summary>
    public static string PathOf(string featureFile) => featureFile + Suffix;

    /// <summary>The shard as <c>K/N</c>.</summary>
    [JsonIgnore]
    public string ShardName => $"{Shard}/{ShardCount}";

    /// <summary>Reads a manifest; errors are <see cref="DatasetException"/>s naming <paramref name="path"/>.</summary>
    public static ShardManifest Read(string path)
    {
        string text;
        try { text = System.IO.File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new DatasetException(path, $"cannot be read ({e.Message})", e); }
        ShardManifest? manifest;
        try { manifest = JsonSerializer.Deserialize<ShardManifest>(text, Json); }
        catch (JsonException e) { throw new DatasetException(path, $"is not a shard manifest ({e.Message})", e); }
        if (manifest is null || manifest.Kind != ShardKind) throw new DatasetException(path, $"is not a shard manifest (no \"kind\": \"{ShardKind}\")");
        if (manifest.ShardCount < 1 || manifest.Shard < 0 || manifest.Shard >= manifest.ShardCount)
            throw new DatasetException(path, $"records shard {manifest.ShardName}, which is no shard");
        if (manifest.File.Length == 0 || System.IO.Path.GetFileName(manifest.File) != manifest.File)
            throw new DatasetException(path, $"names the feature file '{manifest.File}', which is not a file name in its folder");
        if (!manifest.File.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && !manifest.File.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
            throw new DatasetException(path, $"names the feature file '{manifest.File}', which is neither .csv nor .parquet");
        return manifest;
    }

    /// <summary>Writes this manifest to <paramref name="path"/> atomically.</summary>
    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>
    /// How <paramref name="other"/> differs from this manifest in what makes a shard (model, dataset, selection, shard,
    /// format, feature length; not the file's hash, path or version), in words naming the first difference; null when it
    /// describes the same shard.
    /// </summary>
    public string? DifferenceFrom(ShardManifest other) =>
        ModelSha256 != other.ModelSha256 ? $"was made with another model (SHA-256 {Short(other.ModelSha256)}, not {Short(ModelSha256)})"
        : DatasetFingerprint != other.DatasetFingerprint ? $"was made from another dataset (fingerprint {Short(other.DatasetFingerprint)}, not {Short(DatasetFingerprint)})"
        : Split != other.Split || !Splits.SequenceEqual(other.Splits) ? $"covers split {Describe(other)}, not {Describe(this)}"
        : Shard != other.Shard || ShardCount != other.ShardCount ? $"is shard {other.ShardName}, not {ShardName}"
        : Format != other.Format ? $"records a {other.Format.ToString().ToLowerInvariant()} file, not {Format.ToString().ToLowerInvariant()}"
        : FeatureLength != other.FeatureLength ? $"records {other.FeatureLength} features per row, not {FeatureLength}"
        : TotalRows != other.TotalRows || FirstRow != other.FirstRow || RowCount != other.RowCount
            ? $"records rows {other.FirstRow} to {other.FirstRow + other.RowCount - 1} of {other.TotalRows}, not {FirstRow} to {FirstRow + RowCount - 1} of {TotalRows}"
        : null;

    /// <summary>The first 12 hex digits of a hash, enough to tell two apart in a message.</summary>
    public static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;

    /// <summary>The SHA-256 of <paramref name="path"/>'s bytes, lower-case hex.</summary>
    public static string Sha256OfFile(string path)
    {
        using var stream = System.IO.File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static string Describe(ShardManifest m) =>
        $"{m.Split.ToString().ToLowerInvariant()} ({string.Join(", ", m.Splits.Select(s => $"{s.Count} {s.Name}"))})";
}
