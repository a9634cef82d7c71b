namespace MlnetGan.Data;

/// <summary>
/// Reads CIFAR-10's official binary batches (<c>data_batch_1.bin</c> .. <c>data_batch_5.bin</c>, <c>test_batch.bin</c>):
/// records of 1 label byte followed by 3,072 pixel bytes (R, G, B planes of 32 x 32).
/// </summary>
public static class CifarBinaryReader
{
    /// <summary>Bytes of one record: the label, then the pixels.</summary>
    public const int RecordLength = 1 + PixelLength;

    private const int Size = 32;
    private const int PixelLength = 3 * Size * Size;

    /// <summary>The file names of the training batches, in order.</summary>
    public static IReadOnlyList<string> TrainFileNames { get; } = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];

    /// <summary>The file name of the test batch.</summary>
    public const string TestFileName = "test_batch.bin";

    /// <summary>CIFAR-10's class names in label order.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>True when <paramref name="directory"/> holds at least one CIFAR-10 batch file.</summary>
    public static bool LooksLikeCifarDirectory(string directory) =>
        Directory.Exists(directory) &&
        (File.Exists(System.IO.Path.Combine(directory, TestFileName)) || TrainFileNames.Any(f => File.Exists(System.IO.Path.Combine(directory, f))));

    /// <summary>
    /// Reads every training batch and the test batch of <paramref name="directory"/>. All five training batches must be
    /// present; the test batch is optional (its absence gives a null test split).
    /// </summary>
    public static DatasetSplits ReadDirectory(string directory)
    {
        if (!Directory.Exists(directory)) throw new DatasetException(directory, "folder not found");
        var missing = TrainFileNames.Where(f => !File.Exists(System.IO.Path.Combine(directory, f))).ToList();
        if (missing.Count > 0)
            throw new DatasetException(directory, $"CIFAR-10 binary folder is missing {string.Join(", ", missing)}");
        var train = Concatenate(TrainFileNames.Select(f => ReadBatch(System.IO.Path.Combine(directory, f))).ToList(), directory);
        var testPath = System.IO.Path.Combine(directory, TestFileName);
        var test = File.Exists(testPath) ? ReadBatch(testPath) : null;
        return new DatasetSplits(train, test);
    }

    /// <summary>Reads one batch file. Its length must be a whole, non-zero number of records and every label 0..9.</summary>
    public static ImageDataset ReadBatch(string path)
    {
        RegularFile.Require(path);
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (IOException e) { throw new DatasetException(path, $"cannot be read ({e.Message})", e); }
        if (bytes.Length == 0 || bytes.Length % RecordLength != 0)
            throw new DatasetException(path,
                $"length {bytes.Length} bytes is not a whole number of CIFAR-10 records of {RecordLength} bytes (truncated or not a CIFAR-10 batch)");
        int count = bytes.Length / RecordLength;
        var pixels = new byte[(long)count * PixelLength];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int offset = i * RecordLength;
            int label = bytes[offset];
            if (label >= ClassNames.Count)
                throw new DatasetException(path, $"record {i} has label {label}; CIFAR-10 labels are 0..{ClassNames.Count - 1}");
            labels[i] = label;
            Buffer.BlockCopy(bytes, offset + 1, pixels, i * PixelLength, PixelLength);
        }
        return new ImageDataset(pixels, labels, 3, Size, Size, ClassNames, path);
    }

    /// <summary>Writes a dataset of 3 x 32 x 32 images as one CIFAR-10 batch file (labels must be 0..9).</summary>
    public static void WriteBatch(ImageDataset dataset, string path)
    {
        if (dataset.Channels != 3 || dataset.Height != Size || dataset.Width != Size)
            throw new ArgumentException($"CIFAR-10 batches hold 3x32x32 images, not {dataset.Channels}x{dataset.Height}x{dataset.Width}", nameof(dataset));
        var bytes = new byte[(long)dataset.Count * RecordLength];
        for (int i = 0; i < dataset.Count; i++)
        {
            int label = dataset.Labels[i];
            if (label is < 0 or > 9) throw new ArgumentException($"image {i} has label {label}; CIFAR-10 batches need 0..9", nameof(dataset));
            bytes[i * RecordLength] = (byte)label;
            dataset.GetImage(i).CopyTo(bytes.AsSpan(i * RecordLength + 1, PixelLength));
        }
        AtomicFile.WriteAllBytes(path, bytes);
    }

    private static ImageDataset Concatenate(IReadOnlyList<ImageDataset> parts, string source)
    {
        var pixels = new byte[parts.Sum(p => (long)p.Count * p.ImageLength)];
        var labels = new int[parts.Sum(p => p.Count)];
        long pixelOffset = 0;
        int labelOffset = 0;
        foreach (var part in parts)
        {
            long length = (long)part.Count * part.ImageLength;
            part.CopyImages(0, part.Count, pixels.AsSpan((int)pixelOffset, (int)length));
            Array.Copy(part.Labels, 0, labels, labelOffset, part.Count);
            pixelOffset += length;
            labelOffset += part.Count;
        }
        return new ImageDataset(pixels, labels, 3, Size, Size, ClassNames, source);
    }
}
