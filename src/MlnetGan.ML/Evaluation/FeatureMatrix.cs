using Microsoft.ML;
using Microsoft.ML.Data;
using MlnetGan.Data;

namespace MlnetGan.ML;

/// <summary>Feature vectors of a dataset's images, row by row, with the images' labels.</summary>
public sealed record FeatureMatrix(float[][] Rows, int[] Labels)
{
    /// <summary>Length of each feature vector.</summary>
    public int Dimension => Rows.Length == 0 ? 0 : Rows[0].Length;

    /// <summary>
    /// Featurizes every image of <paramref name="images"/> with the ML.NET DCGAN featurizer (batched, streamed). With
    /// <paramref name="averageHorizontalFlip"/>, each row is the mean of the features of the image and of its mirror image.
    /// </summary>
    public static FeatureMatrix FromModel(MLContext context, string modelPath, ImageDataset images, int batchSize = 256, IProgress<(int Done, int Total)>? progress = null, OnnxDevice? device = null,
        bool averageHorizontalFlip = false)
    {
        var rows = new float[images.Count][];
        int i = 0;
        using var flipped = averageHorizontalFlip ? Stream(context, modelPath, images, batchSize, device, flipHorizontally: true).GetEnumerator() : null;
        foreach (var row in Stream(context, modelPath, images, batchSize, device))
        {
            if (flipped is not null)
            {
                flipped.MoveNext();
                var mirror = flipped.Current;
                for (int j = 0; j < row.Length; j++) row[j] = 0.5f * (row[j] + mirror[j]);
            }
            rows[i++] = row;
            if (i % batchSize == 0 || i == images.Count) progress?.Report((i, images.Count));
        }
        return new FeatureMatrix(rows, (int[])images.Labels.Clone());
    }

    /// <summary>
    /// The feature vectors of <paramref name="images"/> in order, computed lazily through the batched ML.NET featurizer:
    /// only one batch is held at a time, so any number of images streams in bounded memory. With
    /// <paramref name="flipHorizontally"/>, the features of the images mirrored left to right.
    /// </summary>
    public static IEnumerable<float[]> Stream(MLContext context, string modelPath, ImageDataset images, int batchSize = 256, OnnxDevice? device = null, bool flipHorizontally = false)
    {
        var data = new ImageDatasetDataView(images, flipHorizontally);
        using var transformer = context.Transforms.ExtractDcganFeatures(new DcganFeaturizerOptions
        {
            ModelPath = modelPath, InputColumnName = "Pixels", OutputColumnName = "Features", BatchSize = batchSize,
            GpuDeviceId = device?.GpuDeviceId, FallbackToCpu = device?.FallbackToCpu,
        }).Fit(data);
        var output = transformer.Transform(data);
        using var cursor = output.GetRowCursor([output.Schema["Features"]]);
        var getter = cursor.GetGetter<VBuffer<float>>(output.Schema["Features"]);
        VBuffer<float> vector = default;
        while (cursor.MoveNext())
        {
            getter(ref vector);
            yield return vector.IsDense ? vector.GetValues().ToArray() : vector.DenseValues().ToArray();
        }
    }

    /// <summary>The raw-pixel baseline: every pixel scaled to the models' range as training scales it, x / 127.5 - 1.</summary>
    public static FeatureMatrix FromPixels(ImageDataset images)
    {
        var range = PixelRange.Model;
        float bytesPerUnit = (float)range.BytesPerUnit;
        var rows = new float[images.Count][];
        for (int i = 0; i < images.Count; i++)
        {
            var image = images.GetImage(i);
            var row = new float[image.Length];
            for (int j = 0; j < image.Length; j++) row[j] = image[j] / bytesPerUnit + range.Min;
            rows[i] = row;
        }
        return new FeatureMatrix(rows, (int[])images.Labels.Clone());
    }

    /// <summary>
    /// Standardises this matrix and <paramref name="others"/> in place with the per-dimension mean and standard deviation
    /// of this matrix (the training split; no labels are used). Constant dimensions are only centred.
    /// </summary>
    public void StandardizeWith(params FeatureMatrix[] others)
    {
        int d = Dimension;
        var mean = new double[d];
        var squares = new double[d];
        foreach (var row in Rows)
            for (int j = 0; j < d; j++)
            {
                mean[j] += row[j];
                squares[j] += (double)row[j] * row[j];
            }
        var scale = new float[d];
        var shift = new float[d];
        for (int j = 0; j < d; j++)
        {
            double m = mean[j] / Rows.Length;
            double variance = Math.Max(0, squares[j] / Rows.Length - m * m);
            shift[j] = (float)m;
            scale[j] = variance > 1e-12 ? (float)(1 / Math.Sqrt(variance)) : 1f;
        }
        foreach (var matrix in others.Prepend(this))
            foreach (var row in matrix.Rows)
                for (int j = 0; j < d; j++) row[j] = (row[j] - shift[j]) * scale[j];
    }
}
