using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Transforms.Image;
using MlnetGan.Data;

namespace MlnetGan.ML.Tests;

public class FeaturizerTests
{
    private static readonly ImageDataset Images = BuiltinShapes.GenerateSplit(5, 0, 70, 32, 3);

    [Fact]
    public void FeaturesEqualADirectOnnxRuntimeRun()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(TestModels.Rows(Images));

        var output = ml.Transforms.ExtractDcganFeatures("Features", model, inputColumnName: "Pixels").Fit(data).Transform(data);
        var rows = ml.Data.CreateEnumerable<FeatureRow>(output, reuseRowObject: false).ToList();

        using var session = new InferenceSession(model);
        var pixels = Images.CopyPixels().Select(b => b / 127.5f - 1f).ToArray();
        using var result = session.Run([NamedOnnxValue.CreateFromTensor("image", new DenseTensor<float>(pixels, [Images.Count, 3, 32, 32]))], ["features"]);
        var expected = result[0].AsTensor<float>().ToArray();
        Assert.Equal(Images.Count, rows.Count);
        AssertClose(expected, rows.OrderBy(r => r.Index).SelectMany(r => r.Features).ToArray(), 1e-5f);
    }

    [Fact]
    public void ImageInputGivesTheSameFeaturesAsPixelVectors()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var files = WritePngFiles(dir);
        var ml = new MLContext(seed: 0);

        var imageData = ml.Data.LoadFromEnumerable(files.Select(f => new PathRow { ImagePath = f, Index = uint.Parse(Path.GetFileNameWithoutExtension(f)) }));
        var pipeline = ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath")
            .Append(ml.Transforms.ExtractDcganFeatures("Features", model));
        var fromImages = ml.Data.CreateEnumerable<FeatureRow>(pipeline.Fit(imageData).Transform(imageData), false).OrderBy(r => r.Index).ToList();

        var vectorData = ml.Data.LoadFromEnumerable(TestModels.Rows(Images));
        var fromVectors = ml.Data.CreateEnumerable<FeatureRow>(ml.Transforms.ExtractDcganFeatures("Features", model, inputColumnName: "Pixels").Fit(vectorData).Transform(vectorData), false).ToList();

        AssertClose(fromVectors.SelectMany(r => r.Features).ToArray(), fromImages.SelectMany(r => r.Features).ToArray(), 1e-5f);
    }

    /// <summary>The README's in-memory example: an MLImage column declared with [ImageType], resized when its size differs.</summary>
    [Fact]
    public void InMemoryImagesGiveTheSameFeaturesAsImageFilesAndOtherSizesAreResized()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var files = WritePngFiles(dir);
        var ml = new MLContext(seed: 0);

        var fileData = ml.Data.LoadFromEnumerable(files.Select(f => new PathRow { ImagePath = f }));
        var fromFiles = ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath").Append(ml.Transforms.ExtractDcganFeatures("Features", model))
            .Fit(fileData).Transform(fileData).GetColumn<float[]>("Features").SelectMany(f => f).ToArray();

        var inMemory = ml.Data.LoadFromEnumerable(files.Select(f => new InMemoryImage { Image = MLImage.CreateFromFile(f) }));
        var fromMemory = ml.Transforms.ExtractDcganFeatures("Features", model).Fit(inMemory).Transform(inMemory).GetColumn<float[]>("Features").SelectMany(f => f).ToArray();
        AssertClose(fromFiles, fromMemory, 1e-6f);

        // 28x28 images (say, from another source): declared with their own size and resized to the model's, as training resized them.
        var small = ml.Data.LoadFromEnumerable(files.Take(5).Select(f => new SmallInMemoryImage { Image = ResizedCopy(f, 28) }));
        var resized = ml.Transforms.ResizeImages("Image", imageWidth: 32, imageHeight: 32).Append(ml.Transforms.ExtractDcganFeatures("Features", model))
            .Fit(small).Transform(small).GetColumn<float[]>("Features").ToList();
        Assert.Equal(5, resized.Count);
        Assert.All(resized, f => Assert.Equal(TestModels.Small.FeatureLength, f.Length));
        var unresized = Assert.ThrowsAny<Exception>(() => ml.Transforms.ExtractDcganFeatures("Features", model).Fit(small));
        Assert.Contains("Image", unresized.Message);
    }

    /// <summary>The test images as PNG class folders under <paramref name="dir"/>, file paths in order.</summary>
    internal static string[] WritePngFiles(TempDirectory dir)
    {
        var folder = dir.Combine("images");
        ImageFolderReader.WriteClassFolders(Images, folder);
        return Directory.GetFiles(folder, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
    }

    private static MLImage ResizedCopy(string file, int size)
    {
        using var original = SkiaSharp.SKBitmap.Decode(file);
        using var resized = original.Resize(new SkiaSharp.SKImageInfo(size, size, SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Unpremul), SkiaSharp.SKFilterQuality.Medium);
        return MLImage.CreateFromPixels(size, size, MLPixelFormat.Rgba32, resized.Bytes);
    }

    private sealed class InMemoryImage
    {
        [ImageType(32, 32)]
        public MLImage Image { get; set; } = null!;
    }

    private sealed class SmallInMemoryImage
    {
        [ImageType(28, 28)]
        public MLImage Image { get; set; } = null!;
    }

    [Fact]
    public void BatchSizeAndCursorOrderDoNotChangeTheFeatures()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(TestModels.Rows(Images));

        Dictionary<uint, float[]> Run(int batchSize, bool shuffle)
        {
            var output = ml.Transforms.ExtractDcganFeatures("Features", model, inputColumnName: "Pixels", batchSize: batchSize).Fit(data).Transform(data);
            var view = shuffle ? ml.Data.ShuffleRows(output, seed: 3) : output;
            return ml.Data.CreateEnumerable<FeatureRow>(view, false).ToDictionary(r => r.Index, r => r.Features);
        }

        var one = Run(1, shuffle: false);
        var batched = Run(16, shuffle: false);
        var shuffled = Run(16, shuffle: true);
        Assert.Equal(Images.Count, one.Count);
        foreach (var (index, features) in one)
        {
            AssertClose(features, batched[index], 1e-5f);
            AssertClose(features, shuffled[index], 1e-5f);
        }
    }

    [Fact]
    public void ParallelCursorSetServesEveryRowOnceWithItsPassThroughColumns()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(TestModels.Rows(Images));
        var output = ml.Transforms.ExtractDcganFeatures("Features", model, inputColumnName: "Pixels", batchSize: 8).Fit(data).Transform(data);
        var reference = ml.Data.CreateEnumerable<FeatureRow>(output, false).ToDictionary(r => r.Index, r => r.Features);

        var cursors = output.GetRowCursorSet(output.Schema.Where(c => c.Name is "Index" or "Features" or "Label"), 3);
        var seen = new Dictionary<uint, float[]>();
        foreach (var cursor in cursors)
        {
            using (cursor)
            {
                var index = cursor.GetGetter<uint>(output.Schema["Index"]);
                var label = cursor.GetGetter<ReadOnlyMemory<char>>(output.Schema["Label"]);
                var features = cursor.GetGetter<VBuffer<float>>(output.Schema["Features"]);
                uint i = 0;
                ReadOnlyMemory<char> text = default;
                VBuffer<float> vector = default;
                while (cursor.MoveNext())
                {
                    index(ref i);
                    label(ref text);
                    features(ref vector);
                    Assert.Equal(Images.ClassNames[Images.Labels[i]], text.ToString());
                    seen.Add(i, vector.DenseValues().ToArray());
                }
            }
        }
        Assert.Equal(Images.Count, seen.Count);
        foreach (var (i, features) in seen) AssertClose(reference[i], features, 1e-6f);
    }

    [Fact]
    public void PredictionEngineFeaturizesSingleRows()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var ml = new MLContext(seed: 0);
        var rows = TestModels.Rows(Images);
        var data = ml.Data.LoadFromEnumerable(rows);
        var transformer = ml.Transforms.ExtractDcganFeatures("Features", model, inputColumnName: "Pixels").Fit(data);
        var batch = ml.Data.CreateEnumerable<FeatureRow>(transformer.Transform(data), false).ToList();

        var engine = ml.Model.CreatePredictionEngine<PixelRow, FeatureRow>(transformer);

        foreach (var i in new[] { 0, 17, 69 }) AssertClose(batch[i].Features, engine.Predict(rows[i]).Features, 1e-5f);
    }

    [Fact]
    public void ScoreColumnCarriesTheDiscriminatorsProbability()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(TestModels.Rows(Images));
        var output = ml.Transforms.ExtractDcganFeatures("Features", model, inputColumnName: "Pixels", scoreColumnName: "Score").Fit(data).Transform(data);

        var scores = output.GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().Single()).ToList();

        Assert.Equal(Images.Count, scores.Count);
        Assert.All(scores, s => Assert.InRange(s, 0f, 1f));
        Assert.True(scores.Distinct().Count() > 1);
    }

    internal static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst < tolerance, $"max abs diff {worst} is not below {tolerance}");
    }
}

public sealed class PathRow
{
    public string ImagePath { get; set; } = "";

    public uint Index { get; set; }
}
