using System.Globalization;
using MlnetGan.Data;
using MlnetGan.ML;
using Parquet;
using Parquet.Schema;
using Parquet.Serialization;

namespace MlnetGan.Cli.Tests;

public class FeaturizeCommandTests
{
    private const string AwkwardClass = "shape, \"odd\"";

    /// <summary>A class folder whose name holds a comma and quotes: every output must keep it one field.</summary>
    private static string WriteImages(TempDirectory dir)
    {
        var folder = dir.Combine("images");
        var images = BuiltinShapes.GenerateSplit(5, 0, 12, 32, 3);
        ImageFolderReader.WriteClassFolders(images, folder);
        Directory.Move(Path.Combine(folder, images.ClassNames[0]), Path.Combine(folder, AwkwardClass));
        return folder;
    }

    [Fact]
    public async Task CsvAndParquetHoldTheSameFeaturesAndQuoteNames()
    {
        using var dir = new TempDirectory();
        var folder = WriteImages(dir);
        var model = UntrainedModel.Write(dir);
        var csvPath = dir.Combine("features.csv");
        var parquetPath = dir.Combine("features.parquet");

        var csvRun = CliRunner.Run("featurize", "--model", model, "--data", folder, "--out", csvPath);
        Assert.True(csvRun.ExitCode == 0, csvRun.All);
        var parquetRun = CliRunner.Run("featurize", "--model", model, "--data", folder, "--out", parquetPath);
        Assert.True(parquetRun.ExitCode == 0, parquetRun.All);

        int length = DcganModelInfo.Read(model).FeatureLength;
        var rows = CsvFile.Read(csvPath);
        Assert.Equal(["split", "label", "class", "f0"], rows[0].Take(4));
        Assert.Equal(3 + length, rows[0].Length);
        Assert.Equal(13, rows.Count);
        Assert.All(rows, r => Assert.Equal(3 + length, r.Length));
        Assert.Contains(rows, r => r[2] == AwkwardClass);

        using (var stream = File.OpenRead(parquetPath))
        {
            await using var reader = await ParquetReader.CreateAsync(stream);
            Assert.Equal(["split", "label", "class", "features"], reader.Schema.Fields.Select(f => f.Name));
            Assert.IsType<ListField>(reader.Schema.Fields[3]);
            stream.Position = 0;
            var parquetRows = (await ParquetSerializer.DeserializeAsync<FeatureRecord>(stream)).Data;
            Assert.Equal(rows.Count - 1, parquetRows.Count);
            for (int i = 0; i < parquetRows.Count; i++)
            {
                var csvRow = rows[i + 1];
                Assert.Equal((csvRow[0], int.Parse(csvRow[1], CultureInfo.InvariantCulture), csvRow[2]), (parquetRows[i].split, parquetRows[i].label, parquetRows[i].@class));
                Assert.Equal(csvRow.Skip(3).Select(v => float.Parse(v, CultureInfo.InvariantCulture)), parquetRows[i].features);
            }
        }
    }

    /// <summary>A row as Parquet readers see it: three scalars and a list of floats.</summary>
    private sealed class FeatureRecord
    {
#pragma warning disable IDE1006 // the file's column names
        public string split { get; set; } = "";
        public int label { get; set; }
        public string @class { get; set; } = "";
        public float[] features { get; set; } = [];
#pragma warning restore IDE1006
    }
}
