using SkiaSharp;

namespace MlnetGan.Data;

/// <summary>Writes images as one PNG grid.</summary>
public static class ImageGrid
{
    /// <summary>
    /// Draws <paramref name="count"/> planar images (<paramref name="channels"/> x <paramref name="side"/> x <paramref name="side"/>
    /// bytes each, back to back in <paramref name="pixels"/>) in rows of <paramref name="columns"/>, 2-pixel gaps, each image
    /// scaled by <paramref name="scale"/>, and writes the PNG atomically to <paramref name="path"/>.
    /// </summary>
    public static void WritePng(byte[] pixels, int count, int channels, int side, int columns, string path, int scale = 2)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), "no images to draw");
        AtomicFile.WriteAllBytes(path, EncodePng(pixels, count, channels, side, columns, scale));
    }

    /// <summary>The PNG bytes of the grid that <see cref="WritePng"/> writes.</summary>
    public static byte[] EncodePng(byte[] pixels, int count, int channels, int side, int columns, int scale = 2)
    {
        const int gap = 2;
        columns = Math.Min(columns, count);
        int rows = (count + columns - 1) / columns;
        int cell = side * scale;
        using var grid = new SKBitmap(new SKImageInfo(columns * (cell + gap) + gap, rows * (cell + gap) + gap, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var tile = new SKBitmap(new SKImageInfo(side, side, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(grid))
        {
            canvas.Clear(SKColors.White);
            int length = channels * side * side;
            using var image = new SKPaint { FilterQuality = SKFilterQuality.None };
            for (int i = 0; i < count; i++)
            {
                ImageConversion.WriteRgba(pixels.AsSpan(i * length, length), channels, side * side, ImageConversion.WritablePixels(tile));
                tile.NotifyPixelsChanged();
                float x = gap + (i % columns) * (cell + gap), y = gap + (i / columns) * (cell + gap);
                canvas.DrawBitmap(tile, new SKRect(x, y, x + cell, y + cell), image);
            }
        }
        using var data = grid.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
