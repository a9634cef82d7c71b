using SkiaSharp;

namespace MlnetGan.Data;

/// <summary>Converts decoded images to the planar byte layout of <see cref="ImageDataset"/>.</summary>
public static class ImageConversion
{
    /// <summary>
    /// Resizes <paramref name="bitmap"/> to <paramref name="size"/> x <paramref name="size"/> (when it differs)
    /// and writes it as <paramref name="channels"/> planes (1 = luminance, 3 = R, G, B) into <paramref name="destination"/>.
    /// </summary>
    public static void WritePlanar(SKBitmap bitmap, int channels, int size, Span<byte> destination)
    {
        SKBitmap source = bitmap;
        SKBitmap? resized = null;
        try
        {
            if (bitmap.Width != size || bitmap.Height != size || bitmap.ColorType != SKColorType.Rgba8888)
            {
                var info = new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul);
                resized = bitmap.Resize(info, SKFilterQuality.High)
                    ?? throw new InvalidOperationException("SkiaSharp could not resize the image");
                source = resized;
            }
            WritePlanarPixels(source.GetPixelSpan(), channels, size * size, destination);
        }
        finally
        {
            resized?.Dispose();
        }
    }

    /// <summary>Writes RGBA8888 pixels as planar bytes: R, G, B planes, or one luminance plane (ITU-R BT.601 weights).</summary>
    private static void WritePlanarPixels(ReadOnlySpan<byte> rgba, int channels, int pixelCount, Span<byte> destination)
    {
        for (int p = 0; p < pixelCount; p++)
        {
            byte r = rgba[4 * p], g = rgba[4 * p + 1], b = rgba[4 * p + 2];
            if (channels == 3)
            {
                destination[p] = r;
                destination[pixelCount + p] = g;
                destination[2 * pixelCount + p] = b;
            }
            else
            {
                destination[p] = Luminance(r, g, b);
            }
        }
    }

    /// <summary>The bitmap's pixel bytes, writable (SkiaSharp 2.88's SKBitmap.GetPixelSpan is read-only).</summary>
    public static Span<byte> WritablePixels(SKBitmap bitmap)
    {
        using var pixmap = bitmap.PeekPixels();
        return pixmap.GetPixelSpan<byte>();
    }

    /// <summary>BT.601 luminance of an RGB pixel.</summary>
    public static byte Luminance(byte r, byte g, byte b) => (byte)Math.Round(0.299 * r + 0.587 * g + 0.114 * b);

    /// <summary>
    /// Converts a whole dataset to another channel count and/or square size; returns it unchanged when it already fits.
    /// </summary>
    public static ImageDataset Conform(ImageDataset dataset, int channels, int size)
    {
        if (dataset.Channels == channels && dataset.Height == size && dataset.Width == size) return dataset;
        var output = new byte[(long)dataset.Count * channels * size * size];
        int outLength = channels * size * size;
        using var bitmap = new SKBitmap(new SKImageInfo(dataset.Width, dataset.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int i = 0; i < dataset.Count; i++)
        {
            WriteRgba(dataset.GetImage(i), dataset.Channels, dataset.Width * dataset.Height, WritablePixels(bitmap));
            WritePlanar(bitmap, channels, size, output.AsSpan(i * outLength, outLength));
        }
        return new ImageDataset(output, (int[])dataset.Labels.Clone(), channels, size, size, dataset.ClassNames, dataset.Source);
    }

    /// <summary>Writes planar pixels (1 or 3 planes) as opaque RGBA8888.</summary>
    public static void WriteRgba(ReadOnlySpan<byte> planar, int channels, int pixelCount, Span<byte> rgba)
    {
        for (int p = 0; p < pixelCount; p++)
        {
            byte r = planar[p];
            byte g = channels == 3 ? planar[pixelCount + p] : r;
            byte b = channels == 3 ? planar[2 * pixelCount + p] : r;
            rgba[4 * p] = r;
            rgba[4 * p + 1] = g;
            rgba[4 * p + 2] = b;
            rgba[4 * p + 3] = 255;
        }
    }
}
