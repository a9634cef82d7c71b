using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Win32.SafeHandles;

namespace MlnetGan.Data;

/// <summary>The <c>dataset.json</c> of a packed dataset: what the arrays beside it hold.</summary>
/// <param name="Format">Always <see cref="PackedDataset.FormatName"/>.</param>
/// <param name="Version">Layout version, <see cref="PackedDataset.LayoutVersion"/>.</param>
/// <param name="Channels">Channels per image (1 or 3).</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Width">Image width in pixels.</param>
/// <param name="ClassNames">Class names in label order.</param>
/// <param name="Source">The dataset the pack was made from (a path or <c>builtin</c>).</param>
/// <param name="Splits">Images per split (<c>train</c>, and <c>test</c> where the source has one).</param>
public sealed record PackedDatasetMetadata(string Format, int Version, int Channels, int Height, int Width,
    IReadOnlyList<string> ClassNames, string Source, IReadOnlyDictionary<string, int> Splits);

/// <summary>
/// A dataset packed once into a folder of NumPy arrays, read batch by batch instead of held in memory:
/// <c>dataset.json</c> (<see cref="PackedDatasetMetadata"/>), then per split <c>&lt;split&gt;-images.npy</c> (uint8,
/// [N, C, H, W], C order: every image planar, as <see cref="ImageDataset"/> holds it) and <c>&lt;split&gt;-labels.npy</c>
/// (int32, [N], -1 for no label). Images have a fixed size, so image i starts at header + i x C x H x W: the offset is the
/// index. Python reads the same files with <c>numpy.load(path, mmap_mode="r")</c>.
/// </summary>
public static class PackedDataset
{
    /// <summary>The value of <see cref="PackedDatasetMetadata.Format"/>.</summary>
    public const string FormatName = "mlnetgan-packed";

    /// <summary>The layout version written and read.</summary>
    public const int LayoutVersion = 1;

    /// <summary>The metadata file's name.</summary>
    public const string MetadataFile = "dataset.json";

    /// <summary>The training split's name.</summary>
    public const string TrainSplit = "train";

    /// <summary>The test split's name.</summary>
    public const string TestSplit = "test";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    /// <summary>The images file of <paramref name="split"/> in <paramref name="folder"/>.</summary>
    public static string ImagesPath(string folder, string split) => Path.Combine(folder, $"{split}-images.npy");

    /// <summary>The labels file of <paramref name="split"/> in <paramref name="folder"/>.</summary>
    public static string LabelsPath(string folder, string split) => Path.Combine(folder, $"{split}-labels.npy");

    /// <summary>Whether <paramref name="folder"/> holds a packed dataset (it has a <c>dataset.json</c>).</summary>
    public static bool IsPackedFolder(string folder) => File.Exists(Path.Combine(folder, MetadataFile));

    /// <summary>
    /// Opens a packed dataset: labels are read into memory (4 bytes an image), pixels stay in the files and are read on demand.
    /// Every file is checked against the metadata; problems are <see cref="DatasetException"/>s naming the file.
    /// </summary>
    public static DatasetSplits Open(string folder)
    {
        var metadata = ReadMetadata(folder);
        if (!metadata.Splits.ContainsKey(TrainSplit)) throw new DatasetException(Path.Combine(folder, MetadataFile), $"names no '{TrainSplit}' split");
        var train = OpenSplit(folder, TrainSplit, metadata);
        var test = metadata.Splits.ContainsKey(TestSplit) ? OpenSplit(folder, TestSplit, metadata) : null;
        return new DatasetSplits(train, test);
    }

    /// <summary>Reads and checks <c>dataset.json</c>.</summary>
    public static PackedDatasetMetadata ReadMetadata(string folder)
    {
        var path = Path.Combine(folder, MetadataFile);
        PackedDatasetMetadata? metadata;
        try { metadata = JsonSerializer.Deserialize<PackedDatasetMetadata>(File.ReadAllText(path), Json); }
        catch (FileNotFoundException) { throw new DatasetException(path, "not found; is this folder a packed dataset (mlnetgan pack)?"); }
        catch (JsonException e) { throw new DatasetException(path, $"is not a packed dataset's metadata: {e.Message}", e); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new DatasetException(path, $"cannot be read: {e.Message}", e); }
        if (metadata is null || metadata.Format != FormatName) throw new DatasetException(path, $"is not a packed dataset's metadata (format '{metadata?.Format}', expected '{FormatName}')");
        if (metadata.Version != LayoutVersion) throw new DatasetException(path, $"has layout version {metadata.Version}; this MlnetGan reads version {LayoutVersion}");
        if (metadata.Channels is not (1 or 3) || metadata.Height is < 1 or > 4096 || metadata.Width is < 1 or > 4096)
            throw new DatasetException(path, $"gives an impossible image shape {metadata.Channels}x{metadata.Height}x{metadata.Width}");
        if (metadata.ClassNames is null || metadata.Splits is null || metadata.Source is null) throw new DatasetException(path, "lacks classNames, splits or source");
        return metadata;
    }

    private static ImageDataset OpenSplit(string folder, string split, PackedDatasetMetadata metadata)
    {
        int count = metadata.Splits[split];
        var imagesPath = ImagesPath(folder, split);
        var labelsPath = LabelsPath(folder, split);
        var (shape, dataOffset) = NpyFile.ReadHeader(imagesPath, NpyFile.Bytes, 1);
        long[] expected = [count, metadata.Channels, metadata.Height, metadata.Width];
        if (!shape.SequenceEqual(expected))
            throw new DatasetException(imagesPath, $"has shape ({string.Join(", ", shape)}); {MetadataFile} says ({string.Join(", ", expected)})");
        var (labelShape, labelOffset) = NpyFile.ReadHeader(labelsPath, NpyFile.Int32, sizeof(int));
        if (labelShape.Length != 1 || labelShape[0] != count)
            throw new DatasetException(labelsPath, $"has shape ({string.Join(", ", labelShape)}); {MetadataFile} says ({count},)");
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("packed datasets are little-endian");
        var labels = new int[count];
        using (var stream = File.OpenRead(labelsPath))
        {
            stream.Position = labelOffset;
            stream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(labels.AsSpan()));
        }
        int bad = ImageDataset.FindInvalidLabel(labels, metadata.ClassNames.Count);
        if (bad >= 0) throw new DatasetException(labelsPath, $"gives image {bad} the label {labels[bad]}, outside the {metadata.ClassNames.Count} classes (and not -1, no label)");
        var images = new PackedImages(imagesPath, dataOffset, (long)count * metadata.Channels * metadata.Height * metadata.Width);
        return new ImageDataset(images, labels, metadata.Channels, metadata.Height, metadata.Width, metadata.ClassNames, metadata.Source);
    }
}

/// <summary>
/// The pixel bytes of a packed split, read with positioned reads (<see cref="RandomAccess"/>, pread) from one open handle,
/// safe from any number of threads. Read, not memory-mapped: the kernel's page cache serves both the same way, and a read
/// needs neither unsafe code nor care about when the mapping goes away.
/// </summary>
internal sealed class PackedImages
{
    private readonly SafeFileHandle handle;
    private readonly long dataOffset;
    private readonly string path;

    public PackedImages(string path, long dataOffset, long length)
        : this(path, File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess), dataOffset, length)
    {
    }

    private PackedImages(string path, SafeFileHandle handle, long dataOffset, long length)
    {
        this.path = path;
        this.handle = handle;
        this.dataOffset = dataOffset;
        Length = length;
    }

    /// <summary>The <paramref name="length"/> bytes from <paramref name="offset"/>, read through the same handle.</summary>
    public PackedImages Slice(long offset, long length) => new(path, handle, dataOffset + offset, length);

    /// <summary>Bytes of pixel data.</summary>
    public long Length { get; }

    /// <summary>Fills <paramref name="destination"/> with the bytes at <paramref name="offset"/> of the pixel data.</summary>
    public void Read(long offset, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(handle, destination, dataOffset + offset);
            if (read == 0) throw new DatasetException(path, "ended early: the file was truncated after it was opened");
            destination = destination[read..];
            offset += read;
        }
    }
}
