using Microsoft.ML;
using Microsoft.ML.Data;
using MlnetGan.Data;

namespace MlnetGan.ML.Tests;

public class SaveLoadTests
{
    private static readonly ImageDataset Images = BuiltinShapes.GenerateSplit(5, 0, 40, 32, 3);

    [Fact]
    public void VectorPipelineWithClassifierSavesAndLoadsInAFreshContextWithIdenticalOutputs()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(TestModels.Rows(Images));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label")
            .Append(ml.Transforms.ExtractDcganFeatures("Features", model, inputColumnName: "Pixels"))
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("LabelKey", "Features", maximumNumberOfIterations: 5));
        var fitted = pipeline.Fit(data);
        var zip = dir.Combine("pipeline.zip");
        ml.Model.Save(fitted, data.Schema, zip);
        File.Delete(model); // the saved pipeline must carry the model bytes itself

        var fresh = new MLContext(seed: 1);
        var loaded = fresh.Model.Load(zip, out var schema);
        var before = Outputs(ml, fitted.Transform(data));
        var after = Outputs(fresh, loaded.Transform(fresh.Data.LoadFromEnumerable(TestModels.Rows(Images))));

        Assert.Equal(before.Labels, after.Labels);
        FeaturizerTests.AssertClose(before.Features, after.Features, 1e-5f);
        FeaturizerTests.AssertClose(before.Scores, after.Scores, 1e-5f);
        Assert.Contains(schema, c => c.Name == "Pixels");
    }

    [Fact]
    public void ImagePipelineSavesAndLoadsWithIdenticalFeatures()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var folder = dir.Combine("images");
        ImageFolderReader.WriteClassFolders(Images, folder);
        var files = Directory.GetFiles(folder, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(f => new PathRow { ImagePath = f }).ToList();
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(files);
        var fitted = ml.Transforms.LoadImages("Image", null, "ImagePath")
            .Append(ml.Transforms.ResizeImages("Image", 32, 32))
            .Append(ml.Transforms.ExtractDcganFeatures("Features", model))
            .Fit(data);
        var zip = dir.Combine("pipeline.zip");
        ml.Model.Save(fitted, data.Schema, zip);

        var fresh = new MLContext();
        var loaded = fresh.Model.Load(zip, out _);

        var before = fitted.Transform(data).GetColumn<VBuffer<float>>("Features").SelectMany(v => v.DenseValues()).ToArray();
        var after = loaded.Transform(fresh.Data.LoadFromEnumerable(files)).GetColumn<VBuffer<float>>("Features").SelectMany(v => v.DenseValues()).ToArray();
        FeaturizerTests.AssertClose(before, after, 1e-5f);
    }

    private static (uint[] Labels, float[] Features, float[] Scores) Outputs(MLContext ml, IDataView view) =>
        (view.GetColumn<uint>("PredictedLabel").ToArray(),
         view.GetColumn<VBuffer<float>>("Features").SelectMany(v => v.DenseValues()).ToArray(),
         view.GetColumn<VBuffer<float>>("Score").SelectMany(v => v.DenseValues()).ToArray());
}
