using SkiaSharp;

namespace MlnetGan.Data;

/// <summary>
/// Reads one PNG or JPEG file defensively: regular files only (a FIFO or device named <c>*.png</c> is not opened),
/// dimensions checked from the header against <see cref="MaxSide"/> and <see cref="MaxPixels"/> before any pixel is
/// decoded, and a decode that runs out of data (a truncated file) is an error, not a partly grey image.
/// </summary>
public static class ImageFile
{
    /// <summary>The longest side an image may have, in pixels.</summary>
    public const int MaxSide = 16_384;

    /// <summary>The most pixels an image may have (64 Mpx: 256 MiB decoded as RGBA).</summary>
    public const long MaxPixels = 64L * 1024 * 1024;

    /// <summary>File extensions read as images.</summary>
    public static IReadOnlySet<string> Extensions { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".png", ".jpg", ".jpeg" };

    /// <summary>
    /// Decodes <paramref name="path"/> completely into an RGBA8888 bitmap; any problem is a <see cref="DatasetException"/>
    /// naming the file.
    /// </summary>
    public static SKBitmap Decode(string path)
    {
        if (!RegularFile.Is(path))
            throw new DatasetException(path, File.Exists(path) ? "is not a regular file (a FIFO, socket or device is not read)" : "file not found");
        try
        {
            long length = new FileInfo(path).Length;
            // The codec owns the stream from here and disposes it.
            using var codec = SKCodec.Create(File.OpenRead(path), out var created)
                ?? throw new DatasetException(path, $"not a decodable image ({(length == 0 ? "empty file" : created.ToString())})");
            var (width, height) = (codec.Info.Width, codec.Info.Height);
            if (width <= 0 || height <= 0 || width > MaxSide || height > MaxSide || (long)width * height > MaxPixels)
                throw new DatasetException(path, $"image of {width}x{height} pixels exceeds the limit of {MaxSide} pixels a side and {MaxPixels:N0} pixels");
            var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            var result = codec.GetPixels(bitmap.Info, bitmap.GetPixels());
            if (result == SKCodecResult.Success) return bitmap;
            bitmap.Dispose();
            throw new DatasetException(path, result == SKCodecResult.IncompleteInput
                ? "image data ends early (truncated file)"
                : $"not a decodable image ({result})");
        }
        catch (IOException e) { throw new DatasetException(path, $"cannot be read ({e.Message})", e); }
        catch (UnauthorizedAccessException e) { throw new DatasetException(path, $"cannot be read ({e.Message})", e); }
    }

    /// <summary>Checks that <paramref name="path"/> decodes completely (see <see cref="Decode"/>) and returns its width and height.</summary>
    public static (int Width, int Height) Check(string path)
    {
        using var bitmap = Decode(path);
        return (bitmap.Width, bitmap.Height);
    }

    /// <summary>
    /// The image files under <paramref name="folder"/> and its subfolders, each once, in ordinal order. Symbolic links to
    /// folders are not followed (a link back up would list the tree again and again); links to files are listed.
    /// </summary>
    public static IReadOnlyList<string> FindImages(string folder)
    {
        var files = new List<string>();
        var pending = new Stack<string>();
        pending.Push(Path.GetFullPath(folder));
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo sub)
                {
                    if (sub.LinkTarget is null) pending.Push(sub.FullName);
                }
                else if (Extensions.Contains(entry.Extension))
                {
                    files.Add(entry.FullName);
                }
            }
        }
        files.Sort(StringComparer.Ordinal);
        return files;
    }
}
