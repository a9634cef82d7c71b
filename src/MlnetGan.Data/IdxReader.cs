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
        if (!RegularFile.Is(path)) return false;
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
    public static (byte[] Pixels, int Count, int Rows, int Columns) ReadImages(string path) => WithFile(path, stream => ReadImages(stream, path));

    /// <summary>
    /// Reads IDX images from <paramref name="stream"/> (already decompressed); <paramref name="path"/> names it in errors.
    /// The header is read first and checked against <see cref="ImageFile.MaxSide"/> and <see cref="ImageFile.MaxPixels"/>;
    /// then exactly the bytes it promises are read, so a file that expands to more (a gzip bomb) is refused after at most
    /// one byte beyond them.
    /// </summary>
    public static (byte[] Pixels, int Count, int Rows, int Columns) ReadImages(Stream stream, string path)
    {
        Span<byte> header = stackalloc byte[16];
        ReadHeader(stream, header, path);
        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != ImagesMagic)
            throw new DatasetException(path, $"wrong magic number 0x{magic:X8}; an IDX images file starts with 0x{ImagesMagic:X8}");
        int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]), rows = BinaryPrimitives.ReadInt32BigEndian(header[8..]), cols = BinaryPrimitives.ReadInt32BigEndian(header[12..]);
        if (count < 0 || rows <= 0 || cols <= 0) throw new DatasetException(path, $"invalid dimensions {count} x {rows} x {cols}");
        if (rows > ImageFile.MaxSide || cols > ImageFile.MaxSide || (long)rows * cols > ImageFile.MaxPixels)
            throw new DatasetException(path, $"images of {cols}x{rows} exceed the limit of {ImageFile.MaxSide} pixels a side and {ImageFile.MaxPixels:N0} pixels");
        long expected = (long)count * rows * cols;
        if (expected > Array.MaxLength)
            throw new DatasetException(path, $"its header promises {count} images of {rows}x{cols} ({expected:N0} bytes), more than one dataset can hold");
        return (ReadBody(stream, expected, 16, path), count, rows, cols);
    }

    /// <summary>Reads an IDX labels file (magic 0x00000801).</summary>
    public static int[] ReadLabels(string path) => WithFile(path, stream => ReadLabels(stream, path));

    /// <summary>Reads IDX labels from <paramref name="stream"/> (already decompressed), reading no more than the header promises plus one byte.</summary>
    public static int[] ReadLabels(Stream stream, string path)
    {
        Span<byte> header = stackalloc byte[8];
        ReadHeader(stream, header, path);
        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != LabelsMagic)
            throw new DatasetException(path, $"wrong magic number 0x{magic:X8}; an IDX labels file starts with 0x{LabelsMagic:X8}");
        int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        if (count < 0) throw new DatasetException(path, $"invalid label count {count}");
        return ReadBody(stream, count, 8, path).Select(b => (int)b).ToArray();
    }

    /// <summary>Writes IDX images and labels files (gzip-compressed when the path ends in .gz); for tests and tools.</summary>
    public static void WritePair(ImageDataset dataset, string imagesPath, string labelsPath)
    {
        if (dataset.Channels != 1) throw new ArgumentException("IDX image files hold single-channel images", nameof(dataset));
        var images = new byte[16 + (long)dataset.Count * dataset.ImageLength];
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(0), ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), dataset.Count);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(8), dataset.Height);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(12), dataset.Width);
        dataset.CopyImages(0, dataset.Count, images.AsSpan(16));
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

    private static T WithFile<T>(string path, Func<Stream, T> read)
    {
        RegularFile.Require(path);
        try
        {
            using var stream = Open(path);
            return read(stream);
        }
        catch (InvalidDataException e) { throw new DatasetException(path, $"corrupt gzip data ({e.Message})", e); }
        catch (IOException e) { throw new DatasetException(path, $"cannot be read ({e.Message})", e); }
    }

    private static void ReadHeader(Stream stream, Span<byte> header, string path)
    {
        int read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (read < header.Length) throw new DatasetException(path, $"file ends inside the IDX header ({read} bytes)");
    }

    /// <summary>
    /// The <paramref name="expected"/> bytes after the header, read into a buffer that grows only as data arrives (a header
    /// that promises more than the file holds costs no more memory than the file); then one probe byte must find the end.
    /// </summary>
    private static byte[] ReadBody(Stream stream, long expected, int headerLength, string path)
    {
        const int chunk = 1 << 20;
        var body = new byte[Math.Min(expected, chunk)];
        long filled = 0;
        while (filled < expected)
        {
            if (filled == body.Length) Array.Resize(ref body, (int)Math.Min(expected, Math.Max(2L * body.Length, chunk)));
            int read = stream.Read(body, (int)filled, (int)(body.Length - filled));
            if (read == 0)
                throw new DatasetException(path, $"length {headerLength + filled} bytes does not match its header ({headerLength + expected} bytes expected); truncated?");
            filled += read;
        }
        Span<byte> probe = stackalloc byte[1];
        if (stream.Read(probe) != 0)
            throw new DatasetException(path, $"holds more data than its header promises ({headerLength + expected} bytes); not read further");
        return body;
    }
}
