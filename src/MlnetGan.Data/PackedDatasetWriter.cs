using System.Text.Json;

namespace MlnetGan.Data;

/// <summary>
/// Writes a packed dataset (<see cref="PackedDataset"/>) split by split, a batch of images at a time, so a dataset larger than
/// memory can be packed. Everything is written into a temporary folder beside the target, which becomes the target only at
/// <see cref="Commit"/>: an interrupted or failed pack leaves no dataset behind.
/// </summary>
public sealed class PackedDatasetWriter : IDisposable
{
    private readonly string folder;
    private readonly string temp;
    private readonly int channels, height, width;
    private readonly IReadOnlyList<string> classNames;
    private readonly string source;
    private readonly Dictionary<string, int> splits = [];
    private FileStream? images, labels;
    private string? split;
    private long count;
    private bool committed;

    /// <summary>Starts a packed dataset of <paramref name="channels"/> x <paramref name="height"/> x <paramref name="width"/> images in <paramref name="folder"/>, which must not exist yet (or be empty).</summary>
    public PackedDatasetWriter(string folder, int channels, int height, int width, IReadOnlyList<string> classNames, string source)
    {
        this.folder = Path.GetFullPath(folder);
        if (File.Exists(this.folder) || (Directory.Exists(this.folder) && Directory.EnumerateFileSystemEntries(this.folder).Any()))
            throw new DatasetException(folder, "already exists; choose a new folder for the packed dataset");
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.classNames = classNames;
        this.source = source;
        var parent = Path.GetDirectoryName(this.folder)!;
        Directory.CreateDirectory(parent);
        temp = Path.Combine(parent, $".{Path.GetFileName(this.folder)}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
    }

    /// <summary>Bytes per image.</summary>
    public int ImageLength => channels * height * width;

    /// <summary>Ends the current split (if any) and starts <paramref name="name"/> (<see cref="PackedDataset.TrainSplit"/> or <see cref="PackedDataset.TestSplit"/>).</summary>
    public void BeginSplit(string name)
    {
        EndSplit();
        split = name;
        count = 0;
        images = new FileStream(PackedDataset.ImagesPath(temp, name), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        labels = new FileStream(PackedDataset.LabelsPath(temp, name), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        NpyFile.WriteHeader(images, NpyFile.Bytes, [0, channels, height, width]);
        NpyFile.WriteHeader(labels, NpyFile.Int32, [0]);
    }

    /// <summary>Appends images (planar bytes, image after image) and their labels to the current split.</summary>
    public void Append(ReadOnlySpan<byte> pixels, ReadOnlySpan<int> imageLabels)
    {
        if (images is null || labels is null) throw new InvalidOperationException("call BeginSplit first");
        if (pixels.Length != (long)imageLabels.Length * ImageLength)
            throw new ArgumentException($"{pixels.Length} bytes are not {imageLabels.Length} images of {channels}x{height}x{width}", nameof(pixels));
        int bad = ImageDataset.FindInvalidLabel(imageLabels, classNames.Count);
        if (bad >= 0) throw new ArgumentException($"label {imageLabels[bad]} is outside the {classNames.Count} classes", nameof(imageLabels));
        images.Write(pixels);
        labels.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(imageLabels));
        count += imageLabels.Length;
    }

    /// <summary>Ends the last split, writes <c>dataset.json</c> and moves the finished dataset into place.</summary>
    public void Commit()
    {
        EndSplit();
        if (!splits.ContainsKey(PackedDataset.TrainSplit)) throw new InvalidOperationException("a packed dataset needs a train split");
        var metadata = new PackedDatasetMetadata(PackedDataset.FormatName, PackedDataset.LayoutVersion, channels, height, width, classNames, source, splits);
        using (var json = new FileStream(Path.Combine(temp, PackedDataset.MetadataFile), FileMode.CreateNew, FileAccess.Write))
        {
            JsonSerializer.Serialize(json, metadata, PackedDataset.Json);
            json.Flush(flushToDisk: true);
        }
        if (Directory.Exists(folder)) Directory.Delete(folder); // empty (checked at the start)
        Directory.Move(temp, folder);
        committed = true;
    }

    private void EndSplit()
    {
        if (split is null) return;
        if (count == 0) throw new DatasetException(folder, $"the {split} split has no images");
        if (count > int.MaxValue) throw new DatasetException(folder, $"the {split} split has {count} images; at most {int.MaxValue} are supported");
        images!.Position = 0;
        NpyFile.WriteHeader(images, NpyFile.Bytes, [count, channels, height, width]);
        labels!.Position = 0;
        NpyFile.WriteHeader(labels, NpyFile.Int32, [count]);
        images.Flush(flushToDisk: true);
        labels.Flush(flushToDisk: true);
        images.Dispose();
        labels.Dispose();
        images = labels = null;
        splits[split] = (int)count;
        split = null;
    }

    /// <summary>
    /// Closes the files; without <see cref="Commit"/>, deletes everything written. A failure to close (a full disk while the
    /// last buffer is flushed) does not stop the deletion or replace the error that ended the pack.
    /// </summary>
    public void Dispose()
    {
        try
        {
            CloseQuietly(images);
            CloseQuietly(labels);
            images = labels = null;
        }
        finally
        {
            if (!committed && Directory.Exists(temp))
            {
                try { Directory.Delete(temp, recursive: true); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
        }
    }

    private static void CloseQuietly(FileStream? stream)
    {
        try { stream?.Dispose(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
