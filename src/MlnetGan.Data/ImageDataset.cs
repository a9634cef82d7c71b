namespace MlnetGan.Data;

/// <summary>
/// Images held in memory as bytes (0..255) in planar channel-major order (C, H, W) per image,
/// with one label per image (<see cref="Unlabeled"/> where unknown).
/// </summary>
public sealed class ImageDataset
{
    /// <summary>Label value for an image without a label.</summary>
    public const int Unlabeled = -1;

    /// <summary>Creates a dataset over <paramref name="pixels"/>; checks that the sizes agree.</summary>
    public ImageDataset(byte[] pixels, int[] labels, int channels, int height, int width, IReadOnlyList<string> classNames, string source)
    {
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1 or 3");
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), "image size must be positive");
        long expected = (long)labels.Length * channels * height * width;
        if (pixels.LongLength != expected)
            throw new ArgumentException($"pixel buffer holds {pixels.LongLength} bytes, {labels.Length} images of {channels}x{height}x{width} need {expected}", nameof(pixels));
        foreach (var label in labels)
            if (label != Unlabeled && (label < 0 || label >= classNames.Count))
                throw new ArgumentException($"label {label} is outside the {classNames.Count} classes", nameof(labels));
        Pixels = pixels;
        Labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
        ClassNames = classNames;
        Source = source;
    }

    /// <summary>All pixels, image after image, each image C planes of H x W bytes.</summary>
    public byte[] Pixels { get; }

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

    /// <summary>The pixels of image <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> GetImage(int index) => Pixels.AsSpan(index * ImageLength, ImageLength);

    /// <summary>A new dataset holding copies of the images at <paramref name="indices"/>, in that order.</summary>
    public ImageDataset Subset(IReadOnlyList<int> indices)
    {
        var pixels = new byte[(long)indices.Count * ImageLength];
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            GetImage(indices[i]).CopyTo(pixels.AsSpan(i * ImageLength, ImageLength));
            labels[i] = Labels[indices[i]];
        }
        return new ImageDataset(pixels, labels, Channels, Height, Width, ClassNames, Source);
    }
}

/// <summary>A training split and, where the source has one, a test split.</summary>
public sealed record DatasetSplits(ImageDataset Train, ImageDataset? Test);
