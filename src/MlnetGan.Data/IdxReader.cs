using System.Buffers.Binary;
using System.IO.Compression;

namespace MlnetGan.Data;

/// <summary>
/// Reads MNIST-style IDX files, raw or gzip-compressed: images (magic 0x00000803, unsigned bytes, N x rows x cols)
/// and labels (magic 0x00000801, N bytes).
/// </summary>
public static class IdxReader
{
    /// <summary>The magic number of an IDX file of unsigned-byte images (3 dimensions).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>The magic number of an IDX file of unsigned-byte labels (1 dimension).</summary>
    public const int LabelsMagic = 0x00000801;

    private static readonly string[] TrainImageNames = ["train-images-idx3-ubyte", "train-images.idx3-ubyte"];
    private static readonly string[] TrainLabelNames = ["train-labels-idx1-ubyte", "train-labels.idx1-ubyte"];
    private static readonly string[] TestImageNames = ["t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"];
    private static readonly string[] TestLabelNames = ["t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"];

    /// <summary>True when <paramref name="path"/> is a file that starts with an IDX magic number (after gunzip if gzipped).</summary>
    public static bool StartsWithIdxMagic(string path)
    {
        if (!File.Exists(path)) return false;
        try
        {
            using var stream = Open(path);
            Span<byte> header = stackalloc byte[4];
            if (stream.ReadAtLeast(header, 4, throwOnEndOfStream: false) < 4) return false;
            int magic = BinaryPrimitives.ReadInt32BigEndian(header);
            return magic is ImagesMagic or LabelsMagic;
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>True when <paramref name="directory"/> holds MNIST-named IDX training files.</summary>
    public static bool LooksLikeIdxDirectory(string directory) =>
        Directory.Exists(directory) && Find(directory, TrainImageNames) is not null;

    /// <summary>
    /// Reads <c>train-images-idx3-ubyte</c>/<c>train-labels-idx1-ubyte</c> (and the <c>t10k-</c> test pair when present),
    /// each optionally with a <c>.gz</c> suffix. Class names are the label digits.
    /// </summary>
    public static DatasetSplits ReadDirectory(string directory)
    {
        if (!Directory.Exists(directory)) throw new DatasetException(directory, "folder not found");
        var trainImages = Find(directory, TrainImageNames) ?? throw new DatasetException(directory, "no train-images-idx3-ubyte[.gz] file");
        var trainLabels = Find(directory, TrainLabelNames) ?? throw new DatasetException(directory, "no train-labels-idx1-ubyte[.gz] file");
        var train = ReadPair(trainImages, trainLabels);
        var testImages = Find(directory, TestImageNames);
        var testLabels = Find(directory, TestLabelNames);
        if ((testImages is null) != (testLabels is null))
            throw new DatasetException(directory, "has only one of the t10k images and labels files");
        var test = testImages is null ? null : ReadPair(testImages, testLabels!);
        return new DatasetSplits(train, test);
    }

    /// <summary>Reads an images file and its labels file; their counts must agree.</summary>
    public static ImageDataset ReadPair(string imagesPath, string labelsPath)
    {
        var (pixels, count, rows, cols) = ReadImages(imagesPath);
        var labels = ReadLabels(labelsPath);
        if (labels.Length != count)
            throw new DatasetException(labelsPath, $"holds {labels.Length} labels but {imagesPath} holds {count} images");
        int classCount = labels.Length == 0 ? 0 : labels.Max() + 1;
        var classNames = Enumerable.Range(0, Math.Max(classCount, 10)).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return new ImageDataset(pixels, labels, 1, rows, cols, classNames, imagesPath);
    }

    /// <summary>Reads an IDX images file (magic 0x00000803).</summary>
    public static (byte[] Pixels, int Count, int Rows, int Columns) ReadImages(string path)
    {
        var bytes = ReadAll(path);
        int magic = ReadHeaderInt(bytes, 0, path);
        if (magic != ImagesMagic)
            throw new DatasetException(path, $"wrong magic number 0x{magic:X8}; an IDX images file starts with 0x{ImagesMagic:X8}");
        int count = ReadHeaderInt(bytes, 4, path), rows = ReadHeaderInt(bytes, 8, path), cols = ReadHeaderInt(bytes, 12, path);
        if (count < 0 || rows <= 0 || cols <= 0) throw new DatasetException(path, $"invalid dimensions {count} x {rows} x {cols}");
        long expected = 16 + (long)count * rows * cols;
        if (bytes.LongLength != expected)
            throw new DatasetException(path, $"length {bytes.LongLength} bytes does not match its header ({count} images of {rows}x{cols} need {expected}); truncated?");
        return (bytes.AsSpan(16).ToArray(), count, rows, cols);
    }

    /// <summary>Reads an IDX labels file (magic 0x00000801).</summary>
    public static int[] ReadLabels(string path)
    {
        var bytes = ReadAll(path);
        int magic = ReadHeaderInt(bytes, 0, path);
        if (magic != LabelsMagic)
            throw new DatasetException(path, $"wrong magic number 0x{magic:X8}; an IDX labels file starts with 0x{LabelsMagic:X8}");
        int count = ReadHeaderInt(bytes, 4, path);
        if (count < 0 || bytes.LongLength != 8L + count)
            throw new DatasetException(path, $"length {bytes.LongLength} bytes does not match its header ({count} labels need {8L + count}); truncated?");
        return bytes.AsSpan(8).ToArray().Select(b => (int)b).ToArray();
    }

    /// <summary>Writes IDX images and labels files (gzip-compressed when the path ends in .gz); for tests and tools.</summary>
    public static void WritePair(ImageDataset dataset, string imagesPath, string labelsPath)
    {
        if (dataset.Channels != 1) throw new ArgumentException("IDX image files hold single-channel images", nameof(dataset));
        var images = new byte[16 + dataset.Pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(0), ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), dataset.Count);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(8), dataset.Height);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(12), dataset.Width);
        dataset.Pixels.CopyTo(images, 16);
        var labels = new byte[8 + dataset.Count];
        BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(0), LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(4), dataset.Count);
        for (int i = 0; i < dataset.Count; i++) labels[8 + i] = checked((byte)dataset.Labels[i]);
        WriteMaybeGzipped(imagesPath, images);
        WriteMaybeGzipped(labelsPath, labels);
    }

    private static void WriteMaybeGzipped(string path, byte[] bytes)
    {
        if (!path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) { AtomicFile.WriteAllBytes(path, bytes); return; }
        AtomicFile.Write(path, stream =>
        {
            using var gzip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true);
            gzip.Write(bytes);
        });
    }

    private static string? Find(string directory, IEnumerable<string> names) =>
        names.SelectMany(n => new[] { n, n + ".gz" })
             .Select(n => System.IO.Path.Combine(directory, n))
             .FirstOrDefault(File.Exists);

    private static Stream Open(string path)
    {
        var file = File.OpenRead(path);
        Span<byte> head = stackalloc byte[2];
        int read = file.Read(head);
        file.Position = 0;
        return read == 2 && head[0] == 0x1f && head[1] == 0x8b ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    private static byte[] ReadAll(string path)
    {
        if (!File.Exists(path)) throw new DatasetException(path, "file not found");
        try
        {
            using var stream = Open(path);
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            return memory.ToArray();
        }
        catch (InvalidDataException e) { throw new DatasetException(path, $"corrupt gzip data ({e.Message})", e); }
        catch (IOException e) { throw new DatasetException(path, $"cannot be read ({e.Message})", e); }
    }

    private static int ReadHeaderInt(byte[] bytes, int offset, string path)
    {
        if (bytes.Length < offset + 4) throw new DatasetException(path, $"file ends inside the IDX header ({bytes.Length} bytes)");
        return BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset));
    }
}
