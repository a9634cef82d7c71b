using System.CommandLine;
using System.Globalization;
using System.Text;
using CsvHelper;
using Microsoft.ML;
using MlnetGan.Data;
using MlnetGan.ML;
using Parquet;
using Parquet.Schema;

namespace MlnetGan.Cli.Commands;

/// <summary><c>mlnetgan featurize</c>: writes the discriminator features of a dataset to CSV or Parquet for other tools.</summary>
internal static class FeaturizeCommand
{
    /// <summary>Rows per Parquet row group: about 30 MB of features at the default model's 7,168 per image.</summary>
    private const int RowsPerGroup = 1024;

    /// <summary>The Parquet column holding each image's feature vector as a list of floats.</summary>
    public const string FeaturesColumn = "features";

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The exported discriminator (.onnx).", Required = true };
        var data = SharedOptions.Data();
        var format = SharedOptions.Format();
        var skipCorrupt = SharedOptions.SkipCorrupt();
        var split = new Option<string>("--split") { Description = "train | test | all", DefaultValueFactory = _ => "all" };
        OptionParsers.OneOf(split, "train", "test", "all");
        var batchSize = SharedOptions.Positive(new Option<int>("--batch-size") { Description = "Images per ONNX Runtime call.", DefaultValueFactory = _ => new LinearProbeOptions().BatchSize });
        var device = SharedOptions.Device();
        var fallback = SharedOptions.AllowCpuFallback();
        var output = new Option<string>("--out") { Description = "features.csv (columns: split, label, class, f0..fN) or features.parquet (columns: split, label, class, features: a list of floats), written atomically.", Required = true };
        var command = new Command("featurize", "Write the discriminator's features of every image to a CSV or Parquet file.")
        {
            model, data, format, skipCorrupt, split, batchSize, device, fallback, output,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var path = Path.GetFullPath(parse.GetRequiredValue(output));
            bool parquet = path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase);
            if (!parquet && !path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"--out {path}: name a .csv or a .parquet file");
            var modelPath = parse.GetRequiredValue(model);
            var info = DcganModelInfo.Read(modelPath);
            var splits = SharedOptions.LoadData(parse.GetValue(data)!, parse.GetValue(format), parse.GetValue(skipCorrupt), info.ImageSize, info.Channels, seed: 0);
            var which = parse.GetValue(split)!;
            var parts = new List<(string Name, ImageDataset Images)>();
            if (which is "train" or "all") parts.Add(("train", splits.Train));
            if (which is "test" or "all")
            {
                if (splits.Test is null && which == "test") throw new DatasetException(parse.GetValue(data)!, "has no test split");
                if (splits.Test is not null) parts.Add(("test", splits.Test));
            }
            var ml = new MLContext(seed: 0);
            var rows = Stream(ml, modelPath, parse.GetValue(batchSize), parts, OnnxDevice.Parse(parse.GetValue(device)!, parse.GetValue(fallback)));
            int total = parts.Sum(p => p.Images.Count);
            await Task.Run(() => ConsoleProgress.Run("featurizing", report =>
            {
                var counted = rows.Select((row, i) => { report(i + 1, total, ""); return row; });
                AtomicFile.Write(path, stream =>
                {
                    if (parquet) WriteParquet(stream, counted, info.FeatureLength).GetAwaiter().GetResult();
                    else WriteCsv(stream, counted, info.FeatureLength);
                });
            }), cancellation);
            Console.WriteLine($"Wrote {total:N0} rows of {info.FeatureLength:N0} features to {path}");
            return 0;
        });
        return command;
    }

    private sealed record FeatureRow(string Split, int Label, string Class, float[] Features);

    /// <summary>Features row by row, streamed through the batched featurizer.</summary>
    private static IEnumerable<FeatureRow> Stream(MLContext ml, string model, int batchSize, IReadOnlyList<(string Name, ImageDataset Images)> parts, OnnxDevice device) =>
        parts.SelectMany(part => FeatureMatrix.Stream(ml, model, part.Images, batchSize, device).Select((features, i) =>
        {
            int label = part.Images.Labels[i];
            return new FeatureRow(part.Name, label, label >= 0 ? part.Images.ClassNames[label] : "", features);
        }));

    /// <summary>RFC 4180 CSV (CsvHelper quotes fields holding commas, quotes or line breaks): split, label, class, f0..fN.</summary>
    private static void WriteCsv(Stream stream, IEnumerable<FeatureRow> rows, int length)
    {
        using var csv = CsvWriter.Create(stream, CsvWriterOptions.Default, leaveOpen: true);
        csv.WriteHeader([.. new[] { "split", "label", "class" }.Concat(Enumerable.Range(0, length).Select(j => $"f{j}"))]);
        foreach (var row in rows)
        {
            csv.WriteField(row.Split);
            csv.WriteField(row.Label.ToString(CultureInfo.InvariantCulture));
            csv.WriteField(row.Class);
            foreach (var value in row.Features) csv.WriteField(value.ToString("R", CultureInfo.InvariantCulture));
            csv.EndRecord();
        }
    }

    /// <summary>
    /// Parquet with columns split, label, class and features, a list of floats per row (the layout pandas, Spark and
    /// DuckDB read as one array column), in row groups of <see cref="RowsPerGroup"/>.
    /// </summary>
    private static async Task WriteParquet(Stream stream, IEnumerable<FeatureRow> rows, int length)
    {
        var splitField = new DataField<string>("split");
        var labelField = new DataField<int>("label");
        var classField = new DataField<string>("class");
        var featuresField = new ListField(FeaturesColumn, new DataField<float>("element"));
        var schema = new ParquetSchema(splitField, labelField, classField, featuresField);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        foreach (var group in rows.Chunk(RowsPerGroup))
        {
            using var rowGroup = writer.CreateRowGroup();
            await rowGroup.WriteAsync(splitField, group.Select(r => r.Split).ToArray());
            await rowGroup.WriteAsync<int>(labelField, group.Select(r => r.Label).ToArray());
            await rowGroup.WriteAsync(classField, group.Select(r => r.Class).ToArray());
            // Values inside a list are written as nullable (Parquet.Net derives the definition levels from them).
            var values = new float?[group.Length * length];
            var repetition = new int[values.Length];
            for (int i = 0; i < group.Length; i++)
            {
                for (int j = 0; j < length; j++) values[i * length + j] = group[i].Features[j];
                // Repetition level 0 starts a row's list, 1 continues it.
                Array.Fill(repetition, 1, i * length + 1, length - 1);
            }
            await rowGroup.WriteAsync<float>((DataField)featuresField.Item, (ReadOnlyMemory<float?>)values, repetition);
        }
    }
}
