using SkiaSharp;

namespace MlnetGan.Data;

/// <summary>What to do with an image file that cannot be decoded.</summary>
public enum CorruptImagePolicy
{
    /// <summary>Stop with an error naming the file (the default).</summary>
    Fail,

    /// <summary>Leave the file out and report it through the warning callback.</summary>
    SkipWithWarning,
}

/// <summary>Options for <see cref="ImageFolderReader"/>.</summary>
public sealed record ImageFolderOptions
{
    /// <summary>Side of the square images produced (images are resized to it).</summary>
    public int ImageSize { get; init; } = 32;

    /// <summary>1 (luminance) or 3 (RGB).</summary>
    public int Channels { get; init; } = 3;

    /// <summary>What to do with undecodable files.</summary>
    public CorruptImagePolicy OnCorruptImage { get; init; } = CorruptImagePolicy.Fail;

    /// <summary>Receives one line per skipped file.</summary>
    public Action<string>? Warn { get; init; }
}

/// <summary>
/// Reads image folders: <c>root/&lt;class&gt;/*.png|jpg|jpeg</c>, class names sorted ordinally, or a split layout
/// <c>root/train/&lt;class&gt;/…</c> with an optional <c>root/test/&lt;class&gt;/…</c>. Images are decoded with SkiaSharp.
/// </summary>
public static class ImageFolderReader
{
    /// <summary>Reads a folder in either layout.</summary>
    public static DatasetSplits ReadDirectory(string root, ImageFolderOptions options)
    {
        var (trainDir, testDir) = SplitFolders(root);
        var train = ReadClassFolders(trainDir, options, classNames: null);
        var test = testDir is null ? null : ReadClassFolders(testDir, options, train.ClassNames);
        return new DatasetSplits(train, test);
    }

    /// <summary>
    /// The folders of the training split and (where the layout has one) the test split: <c>root/train</c> and <c>root/test</c>
    /// when <c>root/train</c> holds class folders, otherwise <c>root</c> alone.
    /// </summary>
    public static (string Train, string? Test) SplitFolders(string root)
    {
        if (!Directory.Exists(root)) throw new DatasetException(root, "folder not found");
        var trainDir = System.IO.Path.Combine(root, "train");
        if (Directory.Exists(trainDir) && Directory.EnumerateDirectories(trainDir).Any())
        {
            var testDir = System.IO.Path.Combine(root, "test");
            return (trainDir, Directory.Exists(testDir) ? testDir : null);
        }
        return (root, null);
    }

    /// <summary>
    /// Reads <c>root/&lt;class&gt;/*</c>. With <paramref name="classNames"/> given (a test split), every folder must name
    /// one of those classes, so labels agree with the training split.
    /// </summary>
    public static ImageDataset ReadClassFolders(string root, ImageFolderOptions options, IReadOnlyList<string>? classNames)
    {
        var (files, names) = ListClassFolders(root, options, classNames);
        int length = options.Channels * options.ImageSize * options.ImageSize;
        var pixels = new byte[(long)files.Count * length];
        var labels = files.Select(f => f.Label).ToArray();
        var kept = DecodeInto(files, options, pixels);
        if (kept.Count == 0) throw new DatasetException(root, "no image could be decoded");
        var all = new ImageDataset(pixels, labels, options.Channels, options.ImageSize, options.ImageSize, names, root);
        return kept.Count == files.Count ? all : all.Subset(kept);
    }

    /// <summary>
    /// The images of <c>root/&lt;class&gt;/*</c> in reading order (class folders, then files, sorted ordinally) with their labels,
    /// and the class names (those given, or the folders' names).
    /// </summary>
    public static (IReadOnlyList<(string Path, int Label)> Files, IReadOnlyList<string> ClassNames) ListClassFolders(string root, ImageFolderOptions options, IReadOnlyList<string>? classNames)
    {
        if (options.Channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(options), "Channels must be 1 or 3");
        if (options.ImageSize < 4) throw new ArgumentOutOfRangeException(nameof(options), "ImageSize must be at least 4");
        var folders = Directory.EnumerateDirectories(root).OrderBy(d => d, StringComparer.Ordinal).ToList();
        if (folders.Count == 0) throw new DatasetException(root, "has no class folders (expected root/<class>/*.png|jpg|jpeg)");
        var names = classNames ?? folders.Select(f => System.IO.Path.GetFileName(f)).ToList();

        var files = new List<(string Path, int Label)>();
        foreach (var folder in folders)
        {
            var name = System.IO.Path.GetFileName(folder);
            int label = IndexOf(names, name);
            if (label < 0) throw new DatasetException(folder, $"class '{name}' is not one of the training classes ({string.Join(", ", names)})");
            files.AddRange(Directory.EnumerateFiles(folder)
                .Where(f => ImageFile.Extensions.Contains(System.IO.Path.GetExtension(f)))
                .OrderBy(f => f, StringComparer.Ordinal)
                .Select(f => (f, label)));
        }
        if (files.Count == 0) throw new DatasetException(root, "has class folders but no .png, .jpg or .jpeg images");
        return (files, names);
    }

    /// <summary>
    /// Decodes <paramref name="files"/> in parallel into <paramref name="pixels"/> (image i at i x C x S x S) and returns the
    /// indices of the images decoded. An undecodable file stops with an error naming it, or, when the options skip such
    /// files, is reported as a warning and left out of the indices.
    /// </summary>
    public static IReadOnlyList<int> DecodeInto(IReadOnlyList<(string Path, int Label)> files, ImageFolderOptions options, byte[] pixels)
    {
        int length = options.Channels * options.ImageSize * options.ImageSize;
        if (pixels.LongLength < (long)files.Count * length) throw new ArgumentException("the buffer is too small for the images", nameof(pixels));
        var decoded = new bool[files.Count];
        var errors = new string?[files.Count];
        Parallel.For(0, files.Count, i =>
        {
            using var bitmap = Decode(files[i].Path, out errors[i]);
            if (bitmap is null) return;
            ImageConversion.WritePlanar(bitmap, options.Channels, options.ImageSize, pixels.AsSpan((int)((long)i * length), length));
            decoded[i] = true;
        });
        var kept = new List<int>(files.Count);
        for (int i = 0; i < files.Count; i++)
        {
            if (decoded[i]) { kept.Add(i); continue; }
            if (options.OnCorruptImage == CorruptImagePolicy.Fail)
                throw new DatasetException(files[i].Path, $"cannot decode image ({errors[i]}); pass the skip option to leave such files out");
            options.Warn?.Invoke($"skipped {files[i].Path}: cannot decode image ({errors[i]})");
        }
        return kept;
    }

    private static SKBitmap? Decode(string path, out string? error)
    {
        error = null;
        try { return ImageFile.Decode(path); }
        catch (DatasetException e)
        {
            error = e.Message[(path.Length + 2)..];
            return null;
        }
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++) if (names[i] == name) return i;
        return -1;
    }

    /// <summary>Writes a dataset as <c>root/&lt;class&gt;/NNNNN.png</c> (for tests and tools).</summary>
    public static void WriteClassFolders(ImageDataset dataset, string root)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(dataset.Width, dataset.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int i = 0; i < dataset.Count; i++)
        {
            ImageConversion.WriteRgba(dataset.GetImage(i), dataset.Channels, dataset.Width * dataset.Height, ImageConversion.WritablePixels(bitmap));
            var path = System.IO.Path.Combine(root, dataset.ClassNames[dataset.Labels[i]], $"{i:D5}.png");
            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            AtomicFile.WriteAllBytes(path, data.AsSpan());
        }
    }
}
