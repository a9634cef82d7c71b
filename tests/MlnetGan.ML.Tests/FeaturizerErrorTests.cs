using Microsoft.ML;
using Microsoft.ML.Data;
using MlnetGan.Data;

namespace MlnetGan.ML.Tests;

public class FeaturizerErrorTests
{
    private static readonly ImageDataset Images = BuiltinShapes.GenerateSplit(5, 0, 6, 32, 3);

    [Fact]
    public void MissingModelFileIsNamed()
    {
        var ml = new MLContext();
        var error = Assert.Throws<DcganModelException>(() => ml.Transforms.ExtractDcganFeatures("Features", "/no/such/d.onnx"));
        Assert.Equal("/no/such/d.onnx: model file not found", error.Message);
    }

    [Fact]
    public void GarbageAndTruncatedModelsAreNamed()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var truncated = dir.Combine("truncated.onnx");
        File.WriteAllBytes(truncated, File.ReadAllBytes(model)[..5000]);
        var garbage = dir.Combine("garbage.onnx");
        File.WriteAllText(garbage, "this is not a model");
        var ml = new MLContext();

        foreach (var path in new[] { truncated, garbage })
        {
            var error = Assert.Throws<DcganModelException>(() => ml.Transforms.ExtractDcganFeatures("Features", path));
            Assert.StartsWith($"{path}: not a valid ONNX model", error.Message);
        }
    }

    [Fact]
    public void WrongColumnTypeNamesTheColumn()
    {
        using var dir = new TempDirectory();
        var ml = new MLContext();
        var data = ml.Data.LoadFromEnumerable(TestModels.Rows(Images));
        var estimator = ml.Transforms.ExtractDcganFeatures("Features", TestModels.Export(dir, TestModels.Small), inputColumnName: "Label");

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        Assert.Contains("column 'Label' has type", error.Message);
        var shapeError = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(SchemaShapeOf(ml, data)));
        Assert.Contains("column 'Label' has type String", shapeError.Message);
        Assert.Contains("input column 'Nope' not found", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.Transforms.ExtractDcganFeatures("Features", TestModels.Export(dir, TestModels.Small, name: "b.onnx"), inputColumnName: "Nope").Fit(data)).Message);
    }

    [Fact]
    public void WrongVectorLengthIsNamed()
    {
        using var dir = new TempDirectory();
        var ml = new MLContext();
        var data = ml.Data.LoadFromEnumerable(TestModels.Rows(Images));
        var model = TestModels.Export(dir, TestModels.Small with { Channels = 1 });

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.ExtractDcganFeatures("Features", model, inputColumnName: "Pixels").Fit(data));

        Assert.Contains("column 'Pixels' is a vector of 3072; the model expects 1024 pixels (1x32x32", error.Message);
    }

    [Fact]
    public void ImageOfTheWrongSizeAsksForResize()
    {
        using var dir = new TempDirectory();
        var folder = dir.Combine("images");
        ImageFolderReader.WriteClassFolders(BuiltinShapes.GenerateSplit(5, 0, 3, 40, 3), folder);
        var ml = new MLContext();
        var data = ml.Data.LoadFromEnumerable(Directory.GetFiles(folder, "*.png", SearchOption.AllDirectories).Select(f => new PathRow { ImagePath = f }));
        var pipeline = ml.Transforms.LoadImages("Image", null, "ImagePath").Append(ml.Transforms.ExtractDcganFeatures("Features", TestModels.Export(dir, TestModels.Small)));

        var output = pipeline.Fit(data).Transform(data);
        var error = Assert.Throws<InvalidOperationException>(() => output.GetColumn<VBuffer<float>>("Features").ToList());

        Assert.Contains("column 'Image' holds a 40x40 image but the model expects 32x32; add mlContext.Transforms.ResizeImages", Flatten(error));

        // With a resize step of a known size, the check happens at Fit, before any row is read.
        var resizedWrong = ml.Transforms.LoadImages("Image", null, "ImagePath").Append(ml.Transforms.ResizeImages("Image", 24, 24))
            .Append(ml.Transforms.ExtractDcganFeatures("Features", TestModels.Export(dir, TestModels.Small, name: "c.onnx")));
        Assert.Contains("holds 24x24 images but the model expects 32x32", Assert.Throws<ArgumentOutOfRangeException>(() => resizedWrong.Fit(data)).Message);
    }

    [Fact]
    public void ModelWithoutMetadataIsFedFromItsInputShape()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var stripped = dir.Combine("stripped.onnx");
        var proto = MlnetGan.Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(model));
        proto.MetadataProps.Clear();
        File.WriteAllBytes(stripped, Google.Protobuf.MessageExtensions.ToByteArray(proto));

        var info = DcganModelInfo.Read(stripped);

        Assert.Equal((32, 3, (16 + 32 + 64) * 16, (DiscriminatorMode?)null), (info.ImageSize, info.Channels, info.FeatureLength, info.Mode));
        // An explicit size that contradicts the input's fixed shape would fail in ONNX Runtime later; it is named now.
        Assert.Contains("image size 28 contradicts its graph", Assert.Throws<DcganModelException>(() => DcganModelInfo.Read(stripped, imageSize: 28)).Message);
    }

    [SkippableFact]
    public void CudaWithoutAGpuIsAClearErrorUnlessFallbackIsAllowed()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var ml = new MLContext();
        var data = ml.Data.LoadFromEnumerable(TestModels.Rows(Images));
        var cuda = new DcganFeaturizerOptions { ModelPath = model, InputColumnName = "Pixels", GpuDeviceId = 0, FallbackToCpu = false };
        Skip.If(OnnxRuntimeHasCuda(model), "ONNX Runtime has CUDA on this machine: the error path does not apply");

        var error = Assert.Throws<OnnxDeviceException>(() => ml.Transforms.ExtractDcganFeatures(cuda).Fit(data));
        Assert.Contains("ONNX Runtime cannot use CUDA device 0", error.Message);
        Assert.Contains("MlnetGanAccelerator=cuda", error.Message);

        var messages = new List<string>();
        ml.Log += (_, e) => { if (e.Message.Contains("falling back to the CPU")) messages.Add(e.Message); };
        cuda = cuda with { FallbackToCpu = true };
        var transformer = ml.Transforms.ExtractDcganFeatures(cuda).Fit(data);
        Assert.Equal("cpu", transformer.Session.Device);
        Assert.NotEmpty(messages);
        Assert.Equal(Images.Count, transformer.Transform(data).GetColumn<VBuffer<float>>("Features").Count());
    }

    [SkippableFact]
    public void AContextThatAsksForCudaAndFellBackSavesAPipelineThatLoadsAndPredictsTheSame()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        Skip.If(OnnxRuntimeHasCuda(model), "ONNX Runtime has CUDA on this machine: there is no fall back to save");
        // What the notebooks do with device "auto": the context asks for CUDA device 0 and allows the CPU.
        var ml = new MLContext(seed: 0) { GpuDeviceId = 0, FallbackToCpu = true };
        var data = ml.Data.LoadFromEnumerable(TestModels.Rows(Images));
        using var transformer = ml.Transforms.ExtractDcganFeatures("Features", model, inputColumnName: "Pixels").Fit(data);
        Assert.Equal("cpu", transformer.Session.Device);
        var zip = dir.Combine("pipeline.zip");

        ml.Model.Save(transformer, data.Schema, zip);

        var fresh = new MLContext();
        fresh.ComponentCatalog.RegisterDcganComponents();
        var loaded = fresh.Model.Load(zip, out _);
        var expected = transformer.Transform(data).GetColumn<VBuffer<float>>("Features").Select(v => v.DenseValues().ToArray()).ToArray();
        var actual = loaded.Transform(data).GetColumn<VBuffer<float>>("Features").Select(v => v.DenseValues().ToArray()).ToArray();
        Assert.Equal(Images.Count, actual.Length);
        for (int i = 0; i < actual.Length; i++) Assert.Equal(expected[i], actual[i], (a, b) => Math.Abs(a - b) <= 1e-5f * Math.Max(1, Math.Abs(a)));
    }

    private static bool OnnxRuntimeHasCuda(string model)
    {
        try
        {
            using var probe = new DcganOnnxSession(File.ReadAllBytes(model), DcganModelInfo.Read(model), gpuDeviceId: 0);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string Flatten(Exception e) => e.InnerException is null ? e.Message : e.Message + " | " + Flatten(e.InnerException);

    private static SchemaShape SchemaShapeOf(MLContext ml, IDataView data) => MlNetInternals.ShapeOf(data.Schema);
}
