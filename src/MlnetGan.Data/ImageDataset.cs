namespace MlnetGan.Data;

/// <summary>
/// Images as bytes (0..255) in planar channel-major order (C, H, W) per image, with one label per image
/// (<see cref="Unlabeled"/> where unknown). The pixels live in memory, or in a packed file (<see cref="PackedDataset"/>)
/// that is read image by image or batch by batch, so a dataset larger than memory (or than a .NET array) can be used.
/// </summary>
public sealed class ImageDataset
{
    /// <summary>Label value for an image without a label.</summary>
    public const int Unlabeled = -1;

    private readonly byte[]? pixels;
    private readonly PackedImages? packed;

    /// <summary>Creates an in-memory dataset over <paramref name="pixels"/>; checks that the sizes agree.</summary>
    public ImageDataset(byte[] pixels, int[] labels, int channels, int height, int width, IReadOnlyList<string> classNames, string source)
        : this(labels, channels, height, width, classNames, source)
    {
        long expected = (long)labels.Length * ImageLength;
        if (pixels.LongLength != expected)
            throw new ArgumentException($"pixel buffer holds {pixels.LongLength} bytes, {labels.Length} images of {channels}x{height}x{width} need {expected}", nameof(pixels));
        this.pixels = pixels;
    }

    /// <summary>Creates a dataset whose pixels are read from a packed file on demand.</summary>
    internal ImageDataset(PackedImages packed, int[] labels, int channels, int height, int width, IReadOnlyList<string> classNames, string source)
        : this(labels, channels, height, width, classNames, source)
    {
        if (packed.Length != (long)labels.Length * ImageLength)
            throw new ArgumentException($"the packed file holds {packed.Length} bytes, {labels.Length} images of {channels}x{height}x{width} need {(long)labels.Length * ImageLength}", nameof(packed));
        this.packed = packed;
    }

    private ImageDataset(int[] labels, int channels, int height, int width, IReadOnlyList<string> classNames, string source)
    {
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1 or 3");
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), "image size must be positive");
        int bad = FindInvalidLabel(labels, classNames.Count);
        if (bad >= 0) throw new ArgumentException($"label {labels[bad]} is outside the {classNames.Count} classes", nameof(labels));
        Labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
        ClassNames = classNames;
        Source = source;
    }

    /// <summary>The index of the first label that is neither a class index below <paramref name="classCount"/> nor <see cref="Unlabeled"/>; -1 when all are valid.</summary>
    public static int FindInvalidLabel(ReadOnlySpan<int> labels, int classCount)
    {
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] != Unlabeled && (labels[i] < 0 || labels[i] >= classCount)) return i;
        return -1;
    }

    /// <summary>One label per image, an index into <see cref="ClassNames"/> or <see cref="Unlabeled"/>.</summary>
    public int[] Labels { get; }

    /// <summary>Channels per image: 1 (luminance) or 3 (R, G, B).</summary>
    public int Channels { get; }

    /// <summary>Height of every image in pixels.</summary>
    public int Height { get; }

    /// <summary>Width of every image in pixels.</summary>
    public int Width { get; }

    /// <summary>Class names in label order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Where the images came from (a path or "builtin"), for provenance.</summary>
    public string Source { get; }

    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>Bytes per image (C x H x W).</summary>
    public int ImageLength => Channels * Height * Width;

    /// <summary>Whether the pixels are read from a packed file on demand rather than held in memory.</summary>
    public bool IsPacked => packed is not null;

    /// <summary>The pixels of image <paramref name="index"/> (for a packed dataset, a copy read from the file).</summary>
    public ReadOnlySpan<byte> GetImage(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"the dataset holds {Count} images");
        if (pixels is not null) return pixels.AsSpan((int)((long)index * ImageLength), ImageLength);
        var image = new byte[ImageLength];
        packed!.Read((long)index * ImageLength, image);
        return image;
    }

    /// <summary>Copies images <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> - 1, in order, into <paramref name="destination"/>.</summary>
    public void CopyImages(int start, int count, Span<byte> destination)
    {
        if (start < 0 || count < 0 || start > Count - count) throw new ArgumentOutOfRangeException(nameof(count), $"images {start}..{start + count - 1} are outside the {Count} images");
        long offset = (long)start * ImageLength;
        int length = checked(count * ImageLength);
        if (pixels is not null) pixels.AsSpan((int)offset, length).CopyTo(destination);
        else packed!.Read(offset, destination[..length]);
    }

    /// <summary>Copies the images at <paramref name="indices"/>, in that order, into <paramref name="destination"/> (a batch gather).</summary>
    public void CopyImages(ReadOnlySpan<long> indices, Span<byte> destination)
    {
        for (int i = 0; i < indices.Length; i++)
        {
            if ((ulong)indices[i] >= (ulong)Count) throw new ArgumentOutOfRangeException(nameof(indices), indices[i], $"the dataset holds {Count} images");
            var target = destination.Slice(i * ImageLength, ImageLength);
            long offset = indices[i] * ImageLength;
            if (pixels is not null) pixels.AsSpan((int)offset, ImageLength).CopyTo(target);
            else packed!.Read(offset, target);
        }
    }

    /// <summary>A new array holding the pixels of images <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> - 1.</summary>
    public byte[] CopyPixels(int start, int count)
    {
        var copy = new byte[checked(count * ImageLength)];
        CopyImages(start, count, copy);
        return copy;
    }

    /// <summary>All pixels as a new array (only for datasets under 2 GiB; read a large one in batches with <see cref="CopyImages(int, int, Span{byte})"/>).</summary>
    public byte[] CopyPixels() => CopyPixels(0, Count);

    /// <summary>
    /// Images <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> - 1 as a dataset: for a packed
    /// dataset a view that reads from the same file (nothing is copied), for an in-memory one a copy.
    /// </summary>
    public ImageDataset Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start > Count - count) throw new ArgumentOutOfRangeException(nameof(count), $"images {start}..{start + count - 1} are outside the {Count} images");
        var labels = Labels.AsSpan(start, count).ToArray();
        return packed is null
            ? new ImageDataset(CopyPixels(start, count), labels, Channels, Height, Width, ClassNames, Source)
            : new ImageDataset(packed.Slice((long)start * ImageLength, (long)count * ImageLength), labels, Channels, Height, Width, ClassNames, Source);
    }

    /// <summary>A new in-memory dataset holding copies of the images at <paramref name="indices"/>, in that order.</summary>
    public ImageDataset Subset(IReadOnlyList<int> indices)
    {
        var subset = new byte[(long)indices.Count * ImageLength];
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            GetImage(indices[i]).CopyTo(subset.AsSpan(checked(i * ImageLength), ImageLength));
            labels[i] = Labels[indices[i]];
        }
        return new ImageDataset(subset, labels, Channels, Height, Width, ClassNames, Source);
    }
}

/// <summary>A training split and, where the source has one, a test split.</summary>
public sealed record DatasetSplits(ImageDataset Train, ImageDataset? Test);
