using Microsoft.ML;
using MlnetGan.Data;

namespace MlnetGan.ML.Tests;

/// <summary>The featurizer as an ML.NET estimator: the estimator checks, its options, its environment.</summary>
public class FeaturizerEstimatorTests
{
    private static readonly ImageDataset Images = BuiltinShapes.GenerateSplit(5, 0, 10, 32, 3);

    [Fact]
    public void FeaturizerOnPixelVectorsPassesTheEstimatorChecks()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(TestModels.Rows(Images));
        var wrongPixels = ml.Data.LoadFromEnumerable(new[] { new TextPixelRow() });

        EstimatorChecks.Run(ml, ml.Transforms.ExtractDcganFeatures("Features", model, inputColumnName: "Pixels", scoreColumnName: "Score"), data, wrongPixels, "Pixels");
    }

    [Fact]
    public void FeaturizerOnImagesPassesTheEstimatorChecks()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(FeaturizerTests.WritePngFiles(dir).Take(10).Select(f => new PathRow { ImagePath = f }));
        var loadImages = ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "ImagePath");
        var wrongSize = ml.Transforms.ResizeImages("Image", 24, 24).Fit(loadImages.Fit(data).Transform(data)).Transform(loadImages.Fit(data).Transform(data));

        // Saving needs a known image size (the saved form extracts pixels with ML.NET's ExtractPixels).
        EstimatorChecks.Run(ml, loadImages.Append(ml.Transforms.ResizeImages("Image", 32, 32)).Append(ml.Transforms.ExtractDcganFeatures("Features", model)), data,
            ml.Data.LoadFromEnumerable(new[] { new ImagePathAsNumber() }), "ImagePath");
        Assert.Contains("holds 24x24 images", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.Transforms.ExtractDcganFeatures("Features", model).GetOutputSchema(MlNetInternals.ShapeOf(wrongSize.Schema))).Message);
    }

    [Fact]
    public void OptionsAreSetOnceAndTheContextsDeviceSettingsFillACopy()
    {
        using var dir = new TempDirectory();
        var options = new DcganFeaturizerOptions { ModelPath = TestModels.Export(dir, TestModels.Small), InputColumnName = "Pixels" };
        var ml = new MLContext(seed: 0) { FallbackToCpu = true };

        var estimator = ml.Transforms.ExtractDcganFeatures(options);

        Assert.Equal((null, null), (options.GpuDeviceId, options.FallbackToCpu));
        Assert.Equal((null, true), (estimator.Options.GpuDeviceId, estimator.Options.FallbackToCpu));
        foreach (var type in new[] { typeof(DcganFeaturizerOptions), typeof(DcganClassifierOptions) })
            Assert.All(type.GetProperties(), p => Assert.Contains(typeof(System.Runtime.CompilerServices.IsExternalInit), p.SetMethod!.ReturnParameter.GetRequiredCustomModifiers()));
    }

    [Fact]
    public void TheContextsLogHearsTheStockTransformsOfTheSavedForm()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var ml = new MLContext(seed: 0);
        var sources = new List<string>();
        ml.Log += (_, e) => { lock (sources) sources.Add(e.Source); };
        var data = ml.Data.LoadFromEnumerable(TestModels.Rows(Images.Subset([0, 1])));
        using var transformer = ml.Transforms.ExtractDcganFeatures("Features", model, inputColumnName: "Pixels").Fit(data);
        sources.Clear();

        ml.Model.Save(transformer, data.Schema, dir.Combine("pipeline.zip"));

        // The saved form (ML.NET's Expression + ApplyOnnxModel) is built in the user's environment, not a private context.
        Assert.Contains(sources, s => s.StartsWith("ExpressionEstimator", StringComparison.Ordinal));
    }

    private sealed class ImagePathAsNumber
    {
        public float ImagePath { get; set; }
    }
}
