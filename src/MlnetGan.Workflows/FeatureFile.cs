using System.Globalization;
using CsvHelper;
using MlnetGan.Data;
using Parquet;
using Parquet.Schema;
using Parquet.Serialization;

namespace MlnetGan.Workflows;

/// <summary>The file format of features written for other tools.</summary>
public enum FeatureFileFormat
{
    /// <summary>RFC 4180 CSV: <c>split, label, class, f0..fN</c> (a shard adds <c>index</c> after <c>split</c>).</summary>
    Csv,

    /// <summary>Parquet: <c>split, label, class, features</c> (a list of floats; a shard adds <c>index</c> after <c>split</c>).</summary>
    Parquet,
}

/// <summary>
/// One image's features. <paramref name="Split"/> and <paramref name="Index"/> identify the image: its split
/// (<c>train</c> or <c>test</c>) and its position in that split in the dataset's own order.
/// </summary>
/// <param name="Split">The split: <c>train</c> or <c>test</c>.</param>
/// <param name="Index">The image's position in its split, from 0.</param>
/// <param name="Label">The label, or <see cref="ImageDataset.Unlabeled"/>.</param>
/// <param name="Class">The class name, or empty for an unlabelled image.</param>
/// <param name="Features">The discriminator's feature vector.</param>
public sealed record FeatureRow(string Split, int Index, int Label, string Class, float[] Features);

/// <summary>
/// Writes and reads feature files: CSV (RFC 4180, by CsvHelper) and Parquet (by Parquet.Net, the features as one list
/// column, the array column pandas, Spark and DuckDB read). A whole dataset's file has the columns <c>split, label,
/// class</c> and the features; a shard's file has <c>index</c> after <c>split</c> as well, so that its rows can be
/// checked when shards are gathered.
/// </summary>
public static class FeatureFile
{
    /// <summary>Rows per Parquet row group: about 30 MB of features at the default model's 7,168 per image.</summary>
    public const int RowsPerGroup = 1024;

    /// <summary>The Parquet column holding each image's feature vector as a list of floats.</summary>
    public const string FeaturesColumn = "features";

    /// <summary>The column holding a shard row's position in its split.</summary>
    public const string IndexColumn = "index";

    /// <summary>The format named by <paramref name="path"/>'s extension, <c>.csv</c> or <c>.parquet</c>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="setting">The setting that named the file, for the error.</param>
    /// <exception cref="InvalidSettingException">The extension is neither.</exception>
    public static FeatureFileFormat FormatOf(string path, string setting = nameof(FeaturizeRequest.Output))
    {
        if (path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase)) return FeatureFileFormat.Parquet;
        if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) return FeatureFileFormat.Csv;
        throw new InvalidSettingException(name => $"{name(setting)} {path}: name a .csv or a .parquet file");
    }

    /// <summary>
    /// Writes <paramref name="rows"/> to <paramref name="stream"/>, streaming (one Parquet row group held at a time), with
    /// the <c>index</c> column when <paramref name="withIndex"/>.
    /// </summary>
    public static void Write(Stream stream, FeatureFileFormat format, IEnumerable<FeatureRow> rows, int featureLength, bool withIndex)
    {
        if (format == FeatureFileFormat.Parquet) WriteParquet(stream, rows, featureLength, withIndex).GetAwaiter().GetResult();
        else WriteCsv(stream, rows, featureLength, withIndex);
    }

    /// <summary>
    /// The rows of a feature file that this class wrote (format by extension), streamed. A file without the <c>index</c>
    /// column gives each row its position in its split as counted in the file. Errors are
    /// <see cref="DatasetException"/>s naming <paramref name="path"/>.
    /// </summary>
    public static IEnumerable<FeatureRow> Read(string path)
    {
        var format = FormatOf(path, "path");
        return format == FeatureFileFormat.Parquet ? ReadParquet(path) : ReadCsv(path);
    }

    /// <summary>RFC 4180 CSV (CsvHelper quotes fields holding commas, quotes or line breaks): split, [index,] label, class, f0..fN.</summary>
    private static void WriteCsv(Stream stream, IEnumerable<FeatureRow> rows, int length, bool withIndex)
    {
        using var csv = CsvWriter.Create(stream, CsvWriterOptions.Default, leaveOpen: true);
        csv.WriteHeader([.. Scalars(withIndex).Concat(Enumerable.Range(0, length).Select(j => $"f{j}"))]);
        foreach (var row in rows)
        {
            csv.WriteField(row.Split);
            if (withIndex) csv.WriteField(row.Index.ToString(CultureInfo.InvariantCulture));
            csv.WriteField(row.Label.ToString(CultureInfo.InvariantCulture));
            csv.WriteField(row.Class);
            foreach (var value in row.Features) csv.WriteField(value.ToString("R", CultureInfo.InvariantCulture));
            csv.EndRecord();
        }
    }

    private static string[] Scalars(bool withIndex) => withIndex ? ["split", IndexColumn, "label", "class"] : ["split", "label", "class"];

    /// <summary>
    /// Parquet with columns split, [index,] label, class and features, a list of floats per row, in row groups of
    /// <see cref="RowsPerGroup"/>.
    /// </summary>
    private static async Task WriteParquet(Stream stream, IEnumerable<FeatureRow> rows, int length, bool withIndex)
    {
        var splitField = new DataField<string>("split");
        var indexField = new DataField<int>(IndexColumn);
        var labelField = new DataField<int>("label");
        var classField = new DataField<string>("class");
        var featuresField = new ListField(FeaturesColumn, new DataField<float>("element"));
        var schema = withIndex ? new ParquetSchema(splitField, indexField, labelField, classField, featuresField) : new ParquetSchema(splitField, labelField, classField, featuresField);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        foreach (var group in rows.Chunk(RowsPerGroup))
        {
            using var rowGroup = writer.CreateRowGroup();
            await rowGroup.WriteAsync(splitField, group.Select(r => r.Split).ToArray());
            if (withIndex) await rowGroup.WriteAsync<int>(indexField, group.Select(r => r.Index).ToArray());
            await rowGroup.WriteAsync<int>(labelField, group.Select(r => r.Label).ToArray());
            await rowGroup.WriteAsync(classField, group.Select(r => r.Class).ToArray());
            // Values inside a list are written as nullable (Parquet.Net derives the definition levels from them).
            var values = new float?[group.Length * length];
            var repetition = new int[values.Length];
            for (int i = 0; i < group.Length; i++)
            {
                if (group[i].Features.Length != length)
                    throw new InvalidOperationException($"row {group[i].Split}/{group[i].Index} has {group[i].Features.Length} features, not {length}");
                for (int j = 0; j < length; j++) values[i * length + j] = group[i].Features[j];
                // Repetition level 0 starts a row's list, 1 continues it.
                if (length > 1) Array.Fill(repetition, 1, i * length + 1, length - 1);
            }
            await rowGroup.WriteAsync<float>((DataField)featuresField.Item, (ReadOnlyMemory<float?>)values, repetition);
        }
    }

    private static IEnumerable<FeatureRow> ReadCsv(string path)
    {
        CsvReader reader;
        try { reader = CsvReader.FromFile(path, new CsvReaderOptions { HasHeader = false }); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new DatasetException(path, $"cannot be read ({e.Message})", e); }
        using (reader)
        {
            if (!Next(reader, path)) throw new DatasetException(path, "is empty; expected a header row");
            var header = Enumerable.Range(0, reader.FieldCount).Select(reader.GetString).ToArray();
            bool withIndex = header.Length > 1 && header[1] == IndexColumn;
            int scalars = Scalars(withIndex).Length;
            if (!header.Take(scalars).SequenceEqual(Scalars(withIndex)))
                throw new DatasetException(path, $"is not a feature file: its header starts {string.Join(", ", header.Take(scalars))}, not {string.Join(", ", Scalars(withIndex))}");
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            long line = 1;
            while (Next(reader, path))
            {
                line++;
                if (reader.FieldCount != header.Length) throw new DatasetException(path, $"row {line} has {reader.FieldCount} fields, the header {header.Length}");
                var split = reader.GetString(0);
                int index = withIndex ? Integer(reader.GetString(1), path, line) : counts.GetValueOrDefault(split);
                counts[split] = index + 1;
                var features = new float[header.Length - scalars];
                for (int j = 0; j < features.Length; j++)
                    features[j] = float.TryParse(reader.GetString(scalars + j), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value
                        : throw new DatasetException(path, $"row {line}: '{reader.GetString(scalars + j)}' is not a number");
                yield return new FeatureRow(split, index, Integer(reader.GetString(scalars - 2), path, line), reader.GetString(scalars - 1), features);
            }
        }
    }

    private static bool Next(CsvReader reader, string path)
    {
        try { return reader.Read(); }
        catch (Exception e) when (e is IOException or CsvFormatException or CsvValidationException) { throw new DatasetException(path, $"cannot be read as CSV ({e.Message})", e); }
    }

    private static int Integer(string text, string path, long line) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value
            : throw new DatasetException(path, $"row {line}: '{text}' is not a whole number");

    private static IEnumerable<FeatureRow> ReadParquet(string path)
    {
        FileStream stream;
        try { stream = File.OpenRead(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new DatasetException(path, $"cannot be read ({e.Message})", e); }
        using (stream)
        {
            var reader = Await(() => ParquetReader.CreateAsync(stream, leaveStreamOpen: true), path);
            int groups = reader.RowGroupCount;
            var names = reader.Schema.Fields.Select(f => f.Name).ToList();
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
            bool withIndex = names.Contains(IndexColumn);
            string[] expected = [.. Scalars(withIndex), FeaturesColumn];
            if (!names.SequenceEqual(expected))
                throw new DatasetException(path, $"is not a feature file: its columns are {string.Join(", ", names)}, not {string.Join(", ", expected)}");
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int g = 0; g < groups; g++)
            {
                stream.Position = 0;
                int group = g;
                var rows = withIndex
                    ? Await(() => ParquetSerializer.DeserializeAsync<IndexedParquetRecord>(stream, null, group), path).Data
                        .Select(r => new FeatureRow(r.split, r.index, r.label, r.@class, r.features)).ToList()
                    : Await(() => ParquetSerializer.DeserializeAsync<ParquetRecord>(stream, null, group), path).Data
                        .Select(r => new FeatureRow(r.split, -1, r.label, r.@class, r.features)).ToList();
                foreach (var row in rows)
                {
                    int index = withIndex ? row.Index : counts.GetValueOrDefault(row.Split);
                    counts[row.Split] = index + 1;
                    yield return row with { Index = index };
                }
            }
        }
    }

    private static T Await<T>(Func<Task<T>> read, string path)
    {
        try { return read().GetAwaiter().GetResult(); }
        catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
        {
            throw new DatasetException(path, $"cannot be read as Parquet ({e.Message})", e);
        }
    }

    /// <summary>A whole dataset's row as Parquet.Net reads it by column name.</summary>
    private sealed class ParquetRecord
    {
#pragma warning disable IDE1006 // the file's column names
        public string split { get; set; } = "";
        public int label { get; set; }
        public string @class { get; set; } = "";
        public float[] features { get; set; } = [];
#pragma warning restore IDE1006
    }

    /// <summary>A shard's row as Parquet.Net reads it by column name.</summary>
    private sealed class IndexedParquetRecord
    {
#pragma warning disable IDE1006 // the file's column names
        public string split { get; set; } = "";
        public int index { get; set; }
        public int label { get; set; }
        public string @class { get; set; } = "";
        public float[] features { get; set; } = [];
#pragma warning restore IDE1006
    }
}
