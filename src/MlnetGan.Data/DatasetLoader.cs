namespace MlnetGan.Data;

/// <summary>The on-disk format of a dataset.</summary>
public enum DatasetFormat
{
    /// <summary>Detect: a packed dataset by its dataset.json, CIFAR-10 batches by file names, IDX by magic number, otherwise an image folder.</summary>
    Auto,

    /// <summary>CIFAR-10's binary batches (<c>data_batch_*.bin</c>, <c>test_batch.bin</c>).</summary>
    CifarBinary,

    /// <summary>A folder of images, one subfolder per class.</summary>
    ImageFolder,

    /// <summary>IDX files (MNIST and Fashion-MNIST), optionally gzipped.</summary>
    Idx,

    /// <summary>The procedural <see cref="BuiltinShapes"/> dataset.</summary>
    Builtin,

    /// <summary>A packed dataset (<see cref="PackedDataset"/>), read batch by batch instead of held in memory.</summary>
    Packed,
}

/// <summary>Options for <see cref="DatasetLoader.Load"/>.</summary>
public sealed record DatasetLoadOptions
{
    /// <summary>Format, or <see cref="DatasetFormat.Auto"/> to detect it.</summary>
    public DatasetFormat Format { get; init; } = DatasetFormat.Auto;

    /// <summary>Side of the square images handed to the model; sources of other sizes are resized.</summary>
    public int ImageSize { get; init; } = 32;

    /// <summary>Channels handed to the model (1 or 3); sources are converted.</summary>
    public int Channels { get; init; } = 3;

    /// <summary>Image folders: what to do with undecodable files.</summary>
    public CorruptImagePolicy OnCorruptImage { get; init; } = CorruptImagePolicy.Fail;

    /// <summary>Receives warnings (skipped files).</summary>
    public Action<string>? Warn { get; init; }

    /// <summary>Seed of the built-in dataset.</summary>
    public int BuiltinSeed { get; init; }

    /// <summary>Training images of the built-in dataset.</summary>
    public int BuiltinTrainCount { get; init; } = BuiltinShapes.DefaultTrainCount;

    /// <summary>Test images of the built-in dataset.</summary>
    public int BuiltinTestCount { get; init; } = BuiltinShapes.DefaultTestCount;
}

/// <summary>Loads a dataset from a path (or the word <c>builtin</c>) in any supported format, conformed to the model's size and channels.</summary>
public static class DatasetLoader
{
    /// <summary>Detects the format of <paramref name="path"/> (see <see cref="DatasetFormat.Auto"/>).</summary>
    public static DatasetFormat Detect(string path)
    {
        if (string.Equals(path, BuiltinShapes.Name, StringComparison.OrdinalIgnoreCase)) return DatasetFormat.Builtin;
        if (File.Exists(path))
        {
            if (Path.GetFileName(path).EndsWith(".bin", StringComparison.OrdinalIgnoreCase)) return DatasetFormat.CifarBinary;
            if (IdxReader.StartsWithIdxMagic(path)) return DatasetFormat.Idx;
            throw new DatasetException(path, "is a file but neither a CIFAR-10 batch (.bin) nor an IDX file; pass a folder");
        }
        if (!Directory.Exists(path)) throw new DatasetException(path, $"not found (pass a folder, a file, or '{BuiltinShapes.Name}')");
        if (PackedDataset.IsPackedFolder(path)) return DatasetFormat.Packed;
        if (CifarBinaryReader.LooksLikeCifarDirectory(path) || CifarBinaryReader.LooksLikeCifarDirectory(Path.Combine(path, "cifar-10-batches-bin")))
            return DatasetFormat.CifarBinary;
        if (IdxReader.LooksLikeIdxDirectory(path)) return DatasetFormat.Idx;
        return DatasetFormat.ImageFolder;
    }

    /// <summary>Loads <paramref name="path"/>: the training split and, where the source has one, the test split.</summary>
    public static DatasetSplits Load(string path, DatasetLoadOptions? options = null)
    {
        options ??= new DatasetLoadOptions();
        var format = options.Format == DatasetFormat.Auto ? Detect(path) : options.Format;
        var splits = format switch
        {
            DatasetFormat.Builtin => BuiltinShapes.Generate(options.BuiltinSeed, options.BuiltinTrainCount, options.BuiltinTestCount, options.ImageSize, options.Channels),
            DatasetFormat.CifarBinary => LoadCifar(path),
            DatasetFormat.Packed => PackedDataset.Open(path),
            DatasetFormat.Idx => File.Exists(path) ? throw new DatasetException(path, "pass the folder that holds the IDX files") : IdxReader.ReadDirectory(path),
            DatasetFormat.ImageFolder => ImageFolderReader.ReadDirectory(path, new ImageFolderOptions
            {
                ImageSize = options.ImageSize, Channels = options.Channels, OnCorruptImage = options.OnCorruptImage, Warn = options.Warn,
            }),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Format, "unknown dataset format"),
        };
        if (splits.Train.IsPacked && (splits.Train.Channels != options.Channels || splits.Train.Height != options.ImageSize || splits.Train.Width != options.ImageSize))
            throw new DatasetException(path, $"is packed at {splits.Train.Channels}x{splits.Train.Height}x{splits.Train.Width}, not the {options.Channels}x{options.ImageSize}x{options.ImageSize} asked for; pack the source again at that size (a packed dataset is never converted in memory)");
        return new DatasetSplits(
            ImageConversion.Conform(splits.Train, options.Channels, options.ImageSize),
            splits.Test is null ? null : ImageConversion.Conform(splits.Test, options.Channels, options.ImageSize));
    }

    private static DatasetSplits LoadCifar(string path)
    {
        if (File.Exists(path)) return new DatasetSplits(CifarBinaryReader.ReadBatch(path), null);
        var nested = Path.Combine(path, "cifar-10-batches-bin");
        return CifarBinaryReader.ReadDirectory(CifarBinaryReader.LooksLikeCifarDirectory(path) ? path : nested);
    }
}
