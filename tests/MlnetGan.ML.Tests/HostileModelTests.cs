using Google.Protobuf;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlnetGan.Data;
using Refs = MlnetGan.ML.OnnxRefs;

namespace MlnetGan.ML.Tests;

/// <summary>Issue 15, items 5, 11 and 12: models whose external data, metadata or saved pipelines try to mislead the featurizer.</summary>
public class HostileModelTests
{
    private static readonly ImageDataset Images = BuiltinShapes.GenerateSplit(5, 0, 20, 32, 3);

    [Fact]
    public void ExternalDataBesideTheModelIsReadFromTheModelsFolderNotTheCurrentDirectory()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var folder = dir.Combine("elsewhere");
        Directory.CreateDirectory(folder);
        var moved = Path.Combine(folder, "external.onnx");
        var (name, weights) = MoveInitializerToFile(model, moved, "weights.bin", largest: true);
        File.WriteAllBytes(Path.Combine(folder, "weights.bin"), weights);
        Assert.False(File.Exists(Path.Combine(Directory.GetCurrentDirectory(), "weights.bin")));

        Assert.Equal(Features(model), Features(moved));
        Assert.NotEmpty(name);
    }

    [Fact]
    public void ExternalDataIsNeverReadFromTheCurrentDirectory()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var crafted = dir.Combine("crafted.onnx");
        var location = $"secret-{Guid.NewGuid():N}.txt";
        var (_, bytes) = MoveInitializerToFile(model, crafted, location, largest: false);
        var secret = Path.Combine(Directory.GetCurrentDirectory(), location);
        File.WriteAllBytes(secret, bytes); // exactly the size the tensor needs, so a read would succeed
        try
        {
            var error = Assert.Throws<DcganModelException>(() => new MLContext().Transforms.ExtractDcganFeatures("Features", crafted));
            Assert.Contains(crafted, error.Message);
            Assert.Contains(location, error.Message);
            Assert.Contains("not in the model's folder", error.Message);
        }
        finally
        {
            File.Delete(secret);
        }
    }

    [Theory]
    [InlineData("../outside.bin", "leaves the model's folder")]
    [InlineData("sub/../../outside.bin", "leaves the model's folder")]
    [InlineData("/etc/hostname", "not a path relative to the model's folder")]
    [InlineData("link.bin", "symbolic link")]
    [InlineData("linkdir/outside.bin", "symbolic link")]
    [InlineData("folder", "not a regular file")]
    public void ExternalDataLeavingTheModelsFolderIsRefused(string location, string problem)
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var modelFolder = dir.Combine("model");
        Directory.CreateDirectory(Path.Combine(modelFolder, "sub"));
        Directory.CreateDirectory(Path.Combine(modelFolder, "folder"));
        var crafted = Path.Combine(modelFolder, "crafted.onnx");
        var (_, bytes) = MoveInitializerToFile(model, crafted, location, largest: false);
        File.WriteAllBytes(dir.Combine("outside.bin"), bytes);
        File.CreateSymbolicLink(Path.Combine(modelFolder, "link.bin"), dir.Combine("outside.bin"));
        Directory.CreateSymbolicLink(Path.Combine(modelFolder, "linkdir"), dir.Path);

        var error = Assert.Throws<DcganModelException>(() => DcganModelInfo.Read(crafted));

        Assert.Contains(crafted, error.Message);
        Assert.Contains(location, error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Theory]
    [InlineData("64", "1", "image_size 64")]
    [InlineData("32", "1", "channels 1")]
    [InlineData("100000", "3", "image_size 100000")]
    [InlineData("-5", "3", "image_size -5")]
    public void MetadataThatContradictsTheGraphIsNamed(string imageSize, string channels, string expected)
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var proto = MlnetGan.Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(model));
        proto.MetadataProps.Single(p => p.Key == "mlnetgan.image_size").Value = imageSize;
        proto.MetadataProps.Single(p => p.Key == "mlnetgan.channels").Value = channels;
        var lying = dir.Combine("lying.onnx");
        File.WriteAllBytes(lying, proto.ToByteArray());

        var error = Assert.Throws<DcganModelException>(() => DcganModelInfo.Read(lying));

        Assert.Contains(lying, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void ExplicitImageSizeBeyondTheLimitIsRefused()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var proto = MlnetGan.Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(model));
        proto.MetadataProps.Clear();
        foreach (var input in proto.Graph.Input) input.Type.TensorType.Shape.Dim[2].DimParam = "height";
        var stripped = dir.Combine("stripped.onnx");
        File.WriteAllBytes(stripped, proto.ToByteArray());

        var error = Assert.Throws<DcganModelException>(() => DcganModelInfo.Read(stripped, imageSize: 100_000));

        Assert.Contains("image size 100000", error.Message);
    }

    [Fact]
    public void SavedPipelineWithTheTrainerDirectlyOnTheFeaturesLoadsAndPredicts()
    {
        using var dir = new TempDirectory();
        var model = TestModels.Export(dir, TestModels.Small);
        var ml = new MLContext(seed: 0);
        var rows = TestModels.Rows(Images);
        var data = ml.Data.LoadFromEnumerable(rows);
        var fitted = ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label")
            .Append(ml.Transforms.ExtractDcganFeatures("Features", model, inputColumnName: "Pixels"))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy("LabelKey", "Features", historySize: 5, optimizationTolerance: 1e-3f))
            .Fit(data);
        var zip = dir.Combine("pipeline.zip");
        ml.Model.Save(fitted, data.Schema, zip);

        var fresh = new MLContext(seed: 1);
        var loaded = fresh.Model.Load(zip, out _);
        var output = loaded.Transform(fresh.Data.LoadFromEnumerable(rows));

        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, (16 + 32 + 64) * 16), output.Schema["Features"].Type);
        Assert.Equal(fitted.Transform(data).GetColumn<uint>("PredictedLabel"), output.GetColumn<uint>("PredictedLabel"));
    }

    private static float[] Features(string model)
    {
        var ml = new MLContext();
        var data = ml.Data.LoadFromEnumerable(TestModels.Rows(Images));
        using var featurizer = ml.Transforms.ExtractDcganFeatures("Features", model, inputColumnName: "Pixels").Fit(data);
        return featurizer.Transform(data).GetColumn<VBuffer<float>>("Features").SelectMany(v => v.DenseValues()).ToArray();
    }

    /// <summary>
    /// Writes <paramref name="model"/> to <paramref name="target"/> with one initializer (the largest, or the smallest) stored
    /// as external data at <paramref name="location"/>; returns its name and the bytes that belong there.
    /// </summary>
    private static (string Name, byte[] Bytes) MoveInitializerToFile(string model, string target, string location, bool largest)
    {
        var proto = Refs.ModelProto.Parser.ParseFrom(File.ReadAllBytes(model));
        var ordered = proto.Graph.Initializer.OrderBy(t => t.RawData.Length).ToList();
        var tensor = largest ? ordered[^1] : ordered.First(t => t.RawData.Length >= 16);
        var bytes = tensor.RawData.ToByteArray();
        tensor.RawData = ByteString.Empty;
        tensor.DataLocation = Refs.TensorProto.Types.DataLocation.External;
        tensor.ExternalData.Add(new Refs.StringStringEntryProto { Key = "location", Value = location });
        tensor.ExternalData.Add(new Refs.StringStringEntryProto { Key = "offset", Value = "0" });
        tensor.ExternalData.Add(new Refs.StringStringEntryProto { Key = "length", Value = bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        File.WriteAllBytes(target, proto.ToByteArray());
        return (tensor.Name, bytes);
    }
}
