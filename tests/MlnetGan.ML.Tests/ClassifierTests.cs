using Microsoft.ML;
using Microsoft.ML.Data;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.Onnx;
using static TorchSharp.torch;

namespace MlnetGan.ML.Tests;

public class ClassifierTests
{
    private static readonly ImageDataset Images = BuiltinShapes.GenerateSplit(7, 0, 48, 32, 3);
    private static readonly DcganConfig TenClasses = TestModels.Small with { NumClasses = 10 };

    [Fact]
    public void PredictionsAndScoresMatchTheDiscriminatorAndEvaluateAsMulticlass()
    {
        using var dir = new TempDirectory();
        var (model, expectedClasses, expectedProbabilities) = ExportWithReference(dir);
        var ml = new MLContext();
        var data = ml.Data.LoadFromEnumerable(TestModels.Rows(Images));
        var classifier = ml.Transforms.ClassifyWithDcgan("PredictedLabel", model, inputColumnName: "Pixels", batchSize: 16);
        var scored = classifier.MapClassNameToKey("LabelKey", "Label").Append(classifier).Fit(data).Transform(data);

        var predicted = scored.GetColumn<uint>("PredictedLabel").ToArray();
        Assert.Equal(expectedClasses.Select(c => (uint)(c + 1)), predicted);
        var scores = scored.GetColumn<VBuffer<float>>("Score").SelectMany(v => v.DenseValues()).ToArray();
        FeaturizerTests.AssertClose(expectedProbabilities, scores, 1e-5f);
        VBuffer<ReadOnlyMemory<char>> keyNames = default;
        scored.Schema["PredictedLabel"].GetKeyValues(ref keyNames);
        Assert.Equal(BuiltinShapes.ClassNames, keyNames.DenseValues().Select(v => v.ToString()));
        Assert.DoesNotContain(scored.Schema, c => c.Name.StartsWith("__mlnetgan", StringComparison.Ordinal));

        var metrics = ml.MulticlassClassification.Evaluate(scored, labelColumnName: "LabelKey");
        double expectedAccuracy = expectedClasses.Where((c, i) => c == Images.Labels[i]).Count() / (double)Images.Count;
        Assert.Equal(expectedAccuracy, metrics.MicroAccuracy, 6);
    }

    [Fact]
    public void SavedClassifierLoadsInAFreshContextWithIdenticalPredictions()
    {
        using var dir = new TempDirectory();
        var (model, expectedClasses, _) = ExportWithReference(dir);
        var ml = new MLContext();
        var data = ml.Data.LoadFromEnumerable(TestModels.Rows(Images));
        var fitted = ml.Transforms.ClassifyWithDcgan("PredictedLabel", model, inputColumnName: "Pixels").Fit(data);
        var zip = dir.Combine("classifier.zip");
        ml.Model.Save(fitted, data.Schema, zip);
        File.Delete(model);

        var fresh = new MLContext();
        fresh.ComponentCatalog.RegisterDcganComponents();
        var loaded = fresh.Model.Load(zip, out _);
        var output = loaded.Transform(fresh.Data.LoadFromEnumerable(TestModels.Rows(Images)));
        Assert.Equal(expectedClasses.Select(c => (uint)(c + 1)), output.GetColumn<uint>("PredictedLabel"));
        FeaturizerTests.AssertClose(
            fitted.Transform(data).GetColumn<VBuffer<float>>("Score").SelectMany(v => v.DenseValues()).ToArray(),
            output.GetColumn<VBuffer<float>>("Score").SelectMany(v => v.DenseValues()).ToArray(), 1e-6f);
    }

    [Fact]
    public void ImageDatasetViewClassifiesWithClassNamesInTheConfusionTable()
    {
        using var dir = new TempDirectory();
        var (model, expectedClasses, _) = ExportWithReference(dir);
        var ml = new MLContext();
        var view = new ImageDatasetDataView(Images);
        var scored = ml.Transforms.ClassifyWithDcgan("PredictedLabel", model, inputColumnName: "Pixels").Fit(view).Transform(view);

        var metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.Equal(expectedClasses.Where((c, i) => c == Images.Labels[i]).Count() / (double)Images.Count, metrics.MicroAccuracy, 6);
        Assert.All(BuiltinShapes.ClassNames, name => Assert.Contains(name, metrics.ConfusionMatrix.GetFormattedConfusionTable()));
    }

    [Fact]
    public void ClassifierPassesTheEstimatorChecks()
    {
        using var dir = new TempDirectory();
        var (model, _, _) = ExportWithReference(dir);
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(TestModels.Rows(Images));

        EstimatorChecks.Run(ml, ml.Transforms.ClassifyWithDcgan("PredictedLabel", model, inputColumnName: "Pixels"), data,
            ml.Data.LoadFromEnumerable(new[] { new TextPixelRow() }), "Pixels");
    }

    [Fact]
    public void DcganModelWithOneLogitIsRefusedNamingTheFile()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var error = Assert.Throws<ArgumentException>(() => new MLContext().Transforms.ClassifyWithDcgan("PredictedLabel", model));
        Assert.Contains(model, error.Message);
        Assert.Contains("K-class discriminator", error.Message);
    }

    /// <summary>A random 10-class discriminator exported, with its TorchSharp argmax and softmax on <see cref="Images"/>.</summary>
    private static (string Model, int[] Classes, float[] Probabilities) ExportWithReference(TempDirectory dir)
    {
        using var d = new DcganDiscriminator(TenClasses);
        using (var generator = new Generator(3, CPU)) WeightInit.Apply(d, generator);
        d.eval();
        var path = dir.Combine("k.onnx");
        DiscriminatorOnnxExporter.Export(d, new OnnxExportInfo { Dataset = "test", ClassNames = BuiltinShapes.ClassNames }, path);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = d.forward(TensorImages.ToModelRange(TensorImages.DatasetTensor(Images, CPU)));
        return (path, logits.argmax(1).data<long>().ToArray().Select(c => (int)c).ToArray(), logits.softmax(1).data<float>().ToArray());
    }
}
