namespace MlnetGan.Data;

/// <summary>Progress of <see cref="DatasetPacker.Pack"/>: images written of the split's total.</summary>
public readonly record struct PackProgress(string Split, long Done, long Total);

/// <summary>What <see cref="DatasetPacker.Pack"/> wrote.</summary>
public sealed record PackedSummary(string Folder, PackedDatasetMetadata Metadata);

/// <summary>
/// Converts a dataset, once, into a packed dataset (<see cref="PackedDataset"/>) at the model's image size and channels.
/// Image folders and the built-in dataset are converted a chunk at a time, so memory stays at one chunk whatever the
/// dataset's size; CIFAR-10 and IDX files are read whole (they are small by nature) and written.
/// </summary>
public static class DatasetPacker
{
    /// <summary>Images decoded or drawn per chunk, by default.</summary>
    public const int DefaultChunkImages = 4096;

    /// <summary>
    /// Packs <paramref name="source"/> (a path or <c>builtin</c>, read as <see cref="DatasetLoader.Load"/> reads it with
    /// <paramref name="options"/>) into the new folder <paramref name="output"/>, <paramref name="chunkImages"/> images at a time.
    /// Cancelling leaves no folder behind.
    /// </summary>
    public static PackedSummary Pack(string source, string output, DatasetLoadOptions options, IProgress<PackProgress>? progress = null,
        CancellationToken cancellation = default, int chunkImages = DefaultChunkImages)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkImages, 1);
        chunkImages = Math.Min(chunkImages, Array.MaxLength / (options.Channels * options.ImageSize * options.ImageSize));
        var format = options.Format == DatasetFormat.Auto ? DatasetLoader.Detect(source) : options.Format;
        if (format == DatasetFormat.Packed) throw new DatasetException(source, "is already a packed dataset");
        switch (format)
        {
            case DatasetFormat.Builtin:
                using (var writer = new PackedDatasetWriter(output, options.Channels, options.ImageSize, options.ImageSize, BuiltinShapes.ClassNames, BuiltinShapes.Name))
                {
                    PackBuiltin(writer, PackedDataset.TrainSplit, 0, options.BuiltinTrainCount, options, chunkImages, progress, cancellation);
                    if (options.BuiltinTestCount > 0) PackBuiltin(writer, PackedDataset.TestSplit, 1, options.BuiltinTestCount, options, chunkImages, progress, cancellation);
                    writer.Commit();
                }
                break;
            case DatasetFormat.ImageFolder:
                var folderOptions = new ImageFolderOptions { ImageSize = options.ImageSize, Channels = options.Channels, OnCorruptImage = options.OnCorruptImage, Warn = options.Warn };
                var (trainDir, testDir) = ImageFolderReader.SplitFolders(source);
                var train = ImageFolderReader.ListClassFolders(trainDir, folderOptions, classNames: null);
                var test = testDir is null ? default : ImageFolderReader.ListClassFolders(testDir, folderOptions, train.ClassNames);
                using (var writer = new PackedDatasetWriter(output, options.Channels, options.ImageSize, options.ImageSize, train.ClassNames, trainDir))
                {
                    PackFiles(writer, PackedDataset.TrainSplit, train.Files, folderOptions, chunkImages, progress, cancellation);
                    if (testDir is not null) PackFiles(writer, PackedDataset.TestSplit, test.Files, folderOptions, chunkImages, progress, cancellation);
                    writer.Commit();
                }
                break;
            default:
                var splits = DatasetLoader.Load(source, options with { Format = format });
                using (var writer = new PackedDatasetWriter(output, options.Channels, options.ImageSize, options.ImageSize, splits.Train.ClassNames, splits.Train.Source))
                {
                    PackInMemory(writer, PackedDataset.TrainSplit, splits.Train, chunkImages, progress, cancellation);
                    if (splits.Test is not null) PackInMemory(writer, PackedDataset.TestSplit, splits.Test, chunkImages, progress, cancellation);
                    writer.Commit();
                }
                break;
        }
        return new PackedSummary(Path.GetFullPath(output), PackedDataset.ReadMetadata(output));
    }

    private static void PackBuiltin(PackedDatasetWriter writer, string split, int seedSplit, int count, DatasetLoadOptions options, int chunkImages, IProgress<PackProgress>? progress, CancellationToken cancellation)
    {
        writer.BeginSplit(split);
        for (int start = 0; start < count; start += chunkImages)
        {
            cancellation.ThrowIfCancellationRequested();
            var chunk = BuiltinShapes.GenerateRange(options.BuiltinSeed, seedSplit, start, Math.Min(chunkImages, count - start), options.ImageSize, options.Channels);
            writer.Append(chunk.CopyPixels(), chunk.Labels);
            progress?.Report(new PackProgress(split, start + chunk.Count, count));
        }
    }

    private static void PackFiles(PackedDatasetWriter writer, string split, IReadOnlyList<(string Path, int Label)> files, ImageFolderOptions options, int chunkImages, IProgress<PackProgress>? progress, CancellationToken cancellation)
    {
        writer.BeginSplit(split);
        var buffer = new byte[(long)chunkImages * writer.ImageLength];
        int written = 0;
        for (int start = 0; start < files.Count; start += chunkImages)
        {
            cancellation.ThrowIfCancellationRequested();
            var chunk = files.Skip(start).Take(chunkImages).ToList();
            var kept = ImageFolderReader.DecodeInto(chunk, options, buffer);
            // Decoded images are compacted in order, so a skipped file leaves no gap.
            var labels = new int[kept.Count];
            for (int k = 0; k < kept.Count; k++)
            {
                if (kept[k] != k) buffer.AsSpan(kept[k] * writer.ImageLength, writer.ImageLength).CopyTo(buffer.AsSpan(k * writer.ImageLength));
                labels[k] = chunk[kept[k]].Label;
            }
            writer.Append(buffer.AsSpan(0, kept.Count * writer.ImageLength), labels);
            written += kept.Count;
            progress?.Report(new PackProgress(split, start + chunk.Count, files.Count));
        }
        if (written == 0) throw new DatasetException(files[0].Path, "no image of the split could be decoded");
    }

    private static void PackInMemory(PackedDatasetWriter writer, string split, ImageDataset dataset, int chunkImages, IProgress<PackProgress>? progress, CancellationToken cancellation)
    {
        writer.BeginSplit(split);
        for (int start = 0; start < dataset.Count; start += chunkImages)
        {
            cancellation.ThrowIfCancellationRequested();
            int count = Math.Min(chunkImages, dataset.Count - start);
            writer.Append(dataset.CopyPixels(start, count), dataset.Labels.AsSpan(start, count));
            progress?.Report(new PackProgress(split, start + count, dataset.Count));
        }
    }
}
