using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace MlnetGan.ML;

/// <summary>Turns ML.NET images and 0..255 pixel vectors into the model's planar input range.</summary>
internal static class PixelConversion
{
    /// <summary>
    /// Writes <paramref name="image"/> as planar pixels scaled to the model's range; 1-channel models take BT.601 luminance.
    /// Returns an error message naming the column when the image does not fit, else null.
    /// </summary>
    public static string? FromImage(MLImage? image, DcganModelInfo info, string column, Span<float> destination)
    {
        if (image is null) return $"column '{column}' holds a missing image";
        if (image.Width != info.ImageSize || image.Height != info.ImageSize)
            return $"column '{column}' holds a {image.Width}x{image.Height} image but the model expects {info.ImageSize}x{info.ImageSize}; add mlContext.Transforms.ResizeImages before the featurizer";
        bool bgra = image.PixelFormat == MLPixelFormat.Bgra32;
        if (!bgra && image.PixelFormat != MLPixelFormat.Rgba32) return $"column '{column}' holds an image in pixel format {image.PixelFormat}, which is not supported";
        var pixels = image.Pixels;
        int count = info.ImageSize * info.ImageSize;
        var range = info.Pixels;
        for (int p = 0; p < count; p++)
        {
            byte r = pixels[4 * p + (bgra ? 2 : 0)], g = pixels[4 * p + 1], b = pixels[4 * p + (bgra ? 0 : 2)];
            if (info.Channels == 3)
            {
                destination[p] = range.FromByte(r);
                destination[count + p] = range.FromByte(g);
                destination[2 * count + p] = range.FromByte(b);
            }
            else
            {
                destination[p] = range.FromByte(MathF.Round(0.299f * r + 0.587f * g + 0.114f * b));
            }
        }
        return null;
    }

    /// <summary>Scales a planar 0..255 pixel vector to the model's range.</summary>
    public static string? FromVector(in VBuffer<float> vector, DcganModelInfo info, string column, Span<float> destination)
    {
        if (vector.Length != info.PixelCount) return $"column '{column}' holds a vector of {vector.Length} values; the model expects {info.PixelCount}";
        var range = info.Pixels;
        destination[..info.PixelCount].Fill(range.Min);
        var values = vector.GetValues();
        if (vector.IsDense)
        {
            for (int i = 0; i < values.Length; i++) destination[i] = range.FromByte(values[i]);
        }
        else
        {
            var indices = vector.GetIndices();
            for (int i = 0; i < values.Length; i++) destination[indices[i]] = range.FromByte(values[i]);
        }
        return null;
    }
}

/// <summary>Reads the featurizer's input column (image or 0..255 vector) of the current row as model-range pixels.</summary>
internal sealed class PixelReader
{
    private readonly DcganModelInfo info;
    private readonly string column;
    private readonly ValueGetter<MLImage>? imageGetter;
    private readonly ValueGetter<VBuffer<float>>? vectorGetter;
    private VBuffer<float> vector;

    public PixelReader(DataViewRow row, string column, DcganModelInfo info)
    {
        this.info = info;
        this.column = column;
        var input = row.Schema[column];
        if (input.Type is ImageDataViewType) imageGetter = row.GetGetter<MLImage>(input);
        else vectorGetter = row.GetGetter<VBuffer<float>>(input);
    }

    /// <summary>Writes the current row's pixels into <paramref name="destination"/>; throws, naming the column, when they do not fit.</summary>
    public void Read(Span<float> destination, long rowPosition)
    {
        string? error;
        if (imageGetter is not null)
        {
            MLImage image = null!;
            imageGetter(ref image);
            error = PixelConversion.FromImage(image, info, column, destination);
        }
        else
        {
            vectorGetter!(ref vector);
            error = PixelConversion.FromVector(vector, info, column, destination);
        }
        if (error is not null) throw new InvalidOperationException($"DCGAN featurizer, row {rowPosition}: {error}");
    }
}
