using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.ML;

namespace MlnetGan.Workflows;

/// <summary>Which splits of a dataset are featurized.</summary>
public enum FeatureSplit
{
    /// <summary>The training split, then the test split where the dataset has one.</summary>
    All,

    /// <summary>The training split.</summary>
    Train,

    /// <summary>The test split (a dataset without one is an error).</summary>
    Test,
}

/// <summary>What <see cref="FeaturizeWorkflow.Run"/> featurizes and where it writes.</summary>
public sealed record FeaturizeRequest
{
    /// <summary>The exported discriminator (.onnx).</summary>
    public required string Model { get; init; }

    /// <summary>The dataset: <c>builtin</c> or a path <see cref="DatasetLoader"/> reads.</summary>
    public string Data { get; init; } = BuiltinShapes.Name;

    /// <summary>The dataset's format; <see cref="DatasetFormat.Auto"/> detects it.</summary>
    public DatasetFormat Format { get; init; } = DatasetFormat.Auto;

    /// <summary>Image folders: leave undecodable files out with a warning instead of failing.</summary>
    public bool SkipCorruptImages { get; init; }

    /// <summary>The splits featurized.</summary>
    public FeatureSplit Split { get; init; } = FeatureSplit.All;

    /// <summary>Images per ONNX Runtime call.</summary>
    public int BatchSize { get; init; } = new LinearProbeOptions().BatchSize;

    /// <summary>Where ONNX Runtime runs.</summary>
    public OnnxDevice Device { get; init; } = new(null, false);

    /// <summary>The feature file: <c>.csv</c> or <c>.parquet</c>, written atomically.</summary>
    public required string Output { get; init; }

    /// <summary>
    /// Featurize only this shard of the selected rows, and write a <see cref="ShardManifest"/> beside <see cref="Output"/>;
    /// null featurizes every row.
    /// </summary>
    public FeatureShard? Shard { get; init; }

    /// <summary>With <see cref="Shard"/>: replace an existing shard whose manifest records another model, dataset, selection or shard (refused otherwise).</summary>
    public bool Force { get; init; }

    /// <summary>Receives one-line warnings (a corrupt image skipped).</summary>
    public Action<string>? Warning { get; init; }
}

/// <summary>What <see cref="FeaturizeWorkflow.Run"/> did.</summary>
/// <param name="Output">The feature file (full path).</param>
/// <param name="Rows">Rows in it.</param>
/// <param name="FeatureLength">Features per row.</param>
/// <param name="AlreadyDone">The shard was already finished for the same model, dataset and selection; nothing was featurized.</param>
/// <param name="Manifest">The shard's manifest, or null without a shard.</param>
public sealed record FeaturizeOutcome(string Output, long Rows, int FeatureLength, bool AlreadyDone, ShardManifest? Manifest);

/// <summary>What <see cref="FeaturizeWorkflow.Gather"/> reads and writes.</summary>
public sealed record GatherRequest
{
    /// <summary>The folder holding the shards' feature files and their manifests (<c>*.manifest.json</c>).</summary>
    public required string Input { get; init; }

    /// <summary>The gathered feature file: <c>.csv</c> or <c>.parquet</c>, written atomically.</summary>
    public required string Output { get; init; }
}

/// <summary>What <see cref="FeaturizeWorkflow.Gather"/> wrote.</summary>
/// <param name="Output">The gathered feature file (full path).</param>
/// <param name="Shards">Shards gathered.</param>
/// <param name="Rows">Rows written.</param>
/// <param name="FeatureLength">Features per row.</param>
public sealed record GatherOutcome(string Output, int Shards, long Rows, int FeatureLength);

/// <summary>
/// <c>featurize</c> and <c>gather</c> as a workflow: the discriminator's features of a dataset's images streamed through the
/// batched ML.NET featurizer (<see cref="FeatureMatrix.Stream"/>) into a CSV or Parquet file (<see cref="FeatureFile"/>),
/// whole or one shard at a time, and a folder of finished shards checked and gathered into the file one run would write.
/// </summary>
/// <remarks>
/// Rows come in the dataset's own order, which is deterministic: the training split, then the test split; within a
/// split, image folders are read class folder by class folder (names sorted ordinally) and file by file (full paths
/// sorted ordinally), CIFAR-10 batches batch by batch (<c>data_batch_1</c> .. <c>data_batch_5</c>) record by record, IDX
/// files record by record, and the built-in dataset is generated from its seed. Shard K of N is the K-th of N contiguous
/// blocks of those rows (<see cref="FeatureShard.RowsOf"/>).
/// </remarks>
public static class FeaturizeWorkflow
{
    /// <summary>The splits' names in rows and manifests.</summary>
    public const string TrainSplit = "train", TestSplit = "test";

    /// <summary>
    /// Featurizes the request's selection (or its shard) into <see cref="FeaturizeRequest.Output"/>. With a shard whose
    /// manifest already records the same model, dataset, selection and shard, and whose file still has the recorded
    /// SHA-256, nothing is done (<see cref="FeaturizeOutcome.AlreadyDone"/>); a manifest that records anything else is
    /// refused unless <see cref="FeaturizeRequest.Force"/>.
    /// </summary>
    public static FeaturizeOutcome Run(IWorkflowProgress progress, FeaturizeRequest request, CancellationToken cancellation = default)
    {
        var output = Path.GetFullPath(request.Output);
        var format = FeatureFile.FormatOf(output);
        if (request.BatchSize < 1) throw new InvalidSettingException(name => $"{name(nameof(FeaturizeRequest.BatchSize))} must be positive, not {request.BatchSize}");
        var info = DcganModelInfo.Read(request.Model);
        var splits = DatasetLoader.Load(request.Data, new DatasetLoadOptions
        {
            Format = request.Format,
            ImageSize = info.ImageSize,
            Channels = info.Channels,
            OnCorruptImage = request.SkipCorruptImages ? CorruptImagePolicy.SkipWithWarning : CorruptImagePolicy.Fail,
            Warn = request.Warning,
        });
        var parts = Select(splits, request.Split, request.Data);
        long total = parts.Sum(p => (long)p.Images.Count);
        var ml = new MLContext(seed: 0);

        if (request.Shard is not { } shard)
        {
            Write(progress, "featurizing", output, format, Rows(ml, request, parts, 0, total), total, info.FeatureLength, withIndex: false, cancellation);
            return new FeaturizeOutcome(output, total, info.FeatureLength, AlreadyDone: false, Manifest: null);
        }

        var (first, count) = shard.RowsOf(total);
        var expected = new ShardManifest
        {
            Shard = shard.Index,
            ShardCount = shard.Count,
            File = Path.GetFileName(output),
            Format = format,
            FileSha256 = "",
            ModelSha256 = Convert.ToHexStringLower(SHA256.HashData(DcganModelInfo.ReadModelBytes(request.Model))),
            DatasetFingerprint = Fingerprint(parts),
            Data = string.Equals(request.Data, BuiltinShapes.Name, StringComparison.OrdinalIgnoreCase) ? BuiltinShapes.Name : Path.GetFullPath(request.Data),
            Split = request.Split,
            Splits = [.. parts.Select(p => new SplitCount(p.Name, p.Images.Count))],
            TotalRows = total,
            FirstRow = first,
            RowCount = count,
            FeatureLength = info.FeatureLength,
            MlnetGanVersion = VersionInfo.Version,
        };
        var manifestPath = ShardManifest.PathOf(output);
        if (File.Exists(manifestPath))
        {
            string? difference;
            ShardManifest? existing = null;
            try
            {
                existing = ShardManifest.Read(manifestPath);
                difference = existing.DifferenceFrom(expected);
            }
            catch (DatasetException e) { difference = e.Message[(manifestPath.Length + 2)..]; }
            if (difference is null && File.Exists(output) && ShardManifest.Sha256OfFile(output) == existing!.FileSha256)
                return new FeaturizeOutcome(output, count, info.FeatureLength, AlreadyDone: true, existing);
            if (difference is not null && !request.Force)
                throw new InvalidSettingException(name => $"{name(nameof(FeaturizeRequest.Output))} {output}: its manifest {manifestPath} {difference}; "
                    + $"pass {name(nameof(FeaturizeRequest.Force))} to replace it, or choose another {name(nameof(FeaturizeRequest.Output))}");
            if (difference is null) progress.Notice($"{output} is missing or differs from its manifest; featurizing shard {shard} again");
            // The old manifest goes first: a manifest never describes a file other than the one it was written for.
            File.Delete(manifestPath);
        }
        Write(progress, $"featurizing shard {shard}", output, format, Rows(ml, request, parts, first, count), count, info.FeatureLength, withIndex: true, cancellation);
        var manifest = expected with { FileSha256 = ShardManifest.Sha256OfFile(output) };
        manifest.Write(manifestPath);
        return new FeaturizeOutcome(output, count, info.FeatureLength, AlreadyDone: false, manifest);
    }

    /// <summary>
    /// Gathers the finished shards in <see cref="GatherRequest.Input"/> into <see cref="GatherRequest.Output"/>, the rows
    /// in shard order, which is the order of one unsharded run: the same rows, in the same columns (without the shards'
    /// <c>index</c>), in the same order. Before the file is written, the shards must be complete and consistent: every
    /// shard 0 .. N-1 present once, all of the same N, model, dataset and selection, each feature file matching the SHA-256
    /// its manifest records, and every row present once, where its shard says. Each problem is a
    /// <see cref="DatasetException"/> naming the file (or, for a missing shard, the folder).
    /// </summary>
    public static GatherOutcome Gather(IWorkflowProgress progress, GatherRequest request, CancellationToken cancellation = default)
    {
        var folder = Path.GetFullPath(request.Input);
        var output = Path.GetFullPath(request.Output);
        var format = FeatureFile.FormatOf(output);
        if (!Directory.Exists(folder)) throw new InvalidSettingException(name => $"{name(nameof(GatherRequest.Input))} {folder}: folder not found");
        var paths = Directory.GetFiles(folder, "*" + ShardManifest.Suffix).Order(StringComparer.Ordinal).ToList();
        if (paths.Count == 0) throw new DatasetException(folder, $"holds no shard manifests (*{ShardManifest.Suffix}); featurize the shards into this folder first");
        var shards = paths.Select(p => (Path: p, Manifest: ShardManifest.Read(p))).ToList();

        // The reference is what most shards agree on (ties: the first file), so that the odd one out is the one named.
        var reference = shards.GroupBy(s => (s.Manifest.ShardCount, s.Manifest.ModelSha256, s.Manifest.DatasetFingerprint))
            .OrderByDescending(g => g.Count()).First().First();
        var refName = Path.GetFileName(reference.Path);
        foreach (var (path, m) in shards)
        {
            var r = reference.Manifest;
            string? problem =
                m.ShardCount != r.ShardCount ? $"is shard {m.ShardName}, but {refName} is one of {r.ShardCount} shards"
                : m.ModelSha256 != r.ModelSha256 ? $"was made with another model (SHA-256 {ShardManifest.Short(m.ModelSha256)}) than {refName} ({ShardManifest.Short(r.ModelSha256)})"
                : m.DatasetFingerprint != r.DatasetFingerprint ? $"was made from another dataset (fingerprint {ShardManifest.Short(m.DatasetFingerprint)}) than {refName} ({ShardManifest.Short(r.DatasetFingerprint)})"
                : m.Split != r.Split || !m.Splits.SequenceEqual(r.Splits) || m.TotalRows != r.TotalRows ? $"covers another selection of the dataset than {refName}"
                : m.FeatureLength != r.FeatureLength ? $"has {m.FeatureLength} features per row, {refName} {r.FeatureLength}"
                : null;
            if (problem is not null) throw new DatasetException(path, problem);
        }
        var byShard = new ShardManifest[reference.Manifest.ShardCount];
        var pathOf = new string[byShard.Length];
        foreach (var (path, m) in shards)
        {
            if (byShard[m.Shard] is not null) throw new DatasetException(path, $"is shard {m.ShardName} again: {Path.GetFileName(pathOf[m.Shard])} is that shard too");
            byShard[m.Shard] = m;
            pathOf[m.Shard] = path;
        }
        var missing = Enumerable.Range(0, byShard.Length).Where(k => byShard[k] is null).ToList();
        if (missing.Count > 0)
            throw new DatasetException(folder, $"shard {missing[0]}/{byShard.Length} is missing{(missing.Count > 1 ? $" (and {missing.Count - 1} more)" : "")}; "
                + $"found {string.Join(", ", byShard.Select((m, k) => m is null ? null : k.ToString(System.Globalization.CultureInfo.InvariantCulture)).OfType<string>())} of 0 to {byShard.Length - 1}");

        var files = new string[byShard.Length];
        for (int k = 0; k < byShard.Length; k++)
        {
            var m = byShard[k];
            var file = Path.Combine(Path.GetDirectoryName(pathOf[k])!, m.File);
            if (string.Equals(file, output, StringComparison.Ordinal))
                throw new InvalidSettingException(name => $"{name(nameof(GatherRequest.Output))} {output} is shard {m.ShardName}'s own file; choose another file");
            if (!File.Exists(file)) throw new DatasetException(file, $"is missing; {Path.GetFileName(pathOf[k])} records shard {m.ShardName} in it");
            if (ShardManifest.Sha256OfFile(file) != m.FileSha256) throw new DatasetException(file, $"differs from the SHA-256 that {Path.GetFileName(pathOf[k])} records (changed or replaced after it was written)");
            var (first, count) = new FeatureShard(m.Shard, m.ShardCount).RowsOf(m.TotalRows);
            if (m.FirstRow != first || m.RowCount != count)
                throw new DatasetException(pathOf[k], $"records rows {m.FirstRow} to {m.FirstRow + m.RowCount - 1}, but shard {m.ShardName} of {m.TotalRows} rows is rows {first} to {first + count - 1}");
            files[k] = file;
        }

        var splits = reference.Manifest.Splits;
        long total = reference.Manifest.TotalRows;
        int length = reference.Manifest.FeatureLength;
        Write(progress, "gathering", output, format, CheckedRows(files, byShard, splits, length), total, length, withIndex: false, cancellation);
        return new GatherOutcome(output, byShard.Length, total, length);
    }

    /// <summary>The rows of the shards' files in shard order, each checked to be the row its position in the selection says.</summary>
    private static IEnumerable<FeatureRow> CheckedRows(string[] files, ShardManifest[] manifests, IReadOnlyList<SplitCount> splits, int length)
    {
        var seen = new Dictionary<(string, int), string>();
        for (int k = 0; k < files.Length; k++)
        {
            long position = manifests[k].FirstRow, end = position + manifests[k].RowCount;
            foreach (var row in FeatureFile.Read(files[k]))
            {
                var id = (row.Split, row.Index);
                if (seen.TryGetValue(id, out var other)) throw new DatasetException(files[k], $"row {row.Split}/{row.Index} is also in {Path.GetFileName(other)}");
                seen[id] = files[k];
                if (position >= end) throw new DatasetException(files[k], $"holds more rows than the {manifests[k].RowCount} its manifest records");
                var expected = Identity(splits, position);
                if (id != expected) throw new DatasetException(files[k], $"row {position - manifests[k].FirstRow} is {row.Split}/{row.Index}, where shard {manifests[k].ShardName} has {expected.Split}/{expected.Index}");
                if (row.Features.Length != length) throw new DatasetException(files[k], $"row {row.Split}/{row.Index} has {row.Features.Length} features, not {length}");
                position++;
                yield return row;
            }
            if (position != end) throw new DatasetException(files[k], $"holds {position - manifests[k].FirstRow} rows, not the {manifests[k].RowCount} its manifest records");
        }
    }

    /// <summary>The (split, index) of row <paramref name="position"/> of the selection.</summary>
    private static (string Split, int Index) Identity(IReadOnlyList<SplitCount> splits, long position)
    {
        foreach (var split in splits)
        {
            if (position < split.Count) return (split.Name, (int)position);
            position -= split.Count;
        }
        return ("", -1);
    }

    /// <summary>
    /// The fingerprint of a selection of images as the model sees them (after resizing and channel conversion): the SHA-256
    /// (lower-case hex) of each split's name, image count, shape, class names, labels and pixels, in order. It does not
    /// depend on where the dataset lies, so machines that hold copies of the same images agree on it.
    /// </summary>
    public static string Fingerprint(IEnumerable<(string Name, ImageDataset Images)> parts)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Text(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            Number(bytes.Length);
            hash.AppendData(bytes);
        }
        void Number(int value) => hash.AppendData(BitConverter.GetBytes(value));
        Text("mlnetgan-images-v1");
        foreach (var (name, images) in parts)
        {
            Text(name);
            Number(images.Count);
            Number(images.Channels);
            Number(images.Height);
            Number(images.Width);
            Number(images.ClassNames.Count);
            foreach (var className in images.ClassNames) Text(className);
            hash.AppendData(MemoryMarshal.AsBytes(images.Labels.AsSpan()));
            const int chunk = 4096; // images hashed at a time, so a packed dataset is never read whole into memory
            for (int start = 0; start < images.Count; start += chunk)
                hash.AppendData(images.CopyPixels(start, Math.Min(chunk, images.Count - start)));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static List<(string Name, ImageDataset Images)> Select(DatasetSplits splits, FeatureSplit which, string data)
    {
        var parts = new List<(string Name, ImageDataset Images)>();
        if (which is FeatureSplit.Train or FeatureSplit.All) parts.Add((TrainSplit, splits.Train));
        if (which is FeatureSplit.Test or FeatureSplit.All)
        {
            if (splits.Test is null && which == FeatureSplit.Test) throw new DatasetException(data, "has no test split");
            if (splits.Test is not null) parts.Add((TestSplit, splits.Test));
        }
        return parts;
    }

    /// <summary>The rows <paramref name="first"/> .. <paramref name="first"/> + <paramref name="count"/> - 1 of the selection, streamed through the batched featurizer.</summary>
    private static IEnumerable<FeatureRow> Rows(MLContext ml, FeaturizeRequest request, List<(string Name, ImageDataset Images)> parts, long first, long count)
    {
        long start = 0, end = first + count;
        foreach (var (name, images) in parts)
        {
            long from = Math.Max(first, start) - start, to = Math.Min(end, start + images.Count) - start;
            start += images.Count;
            if (from >= to) continue;
            var selected = from == 0 && to == images.Count ? images : images.Slice((int)from, (int)(to - from));
            int i = (int)from;
            foreach (var features in FeatureMatrix.Stream(ml, request.Model, selected, request.BatchSize, request.Device))
            {
                int label = images.Labels[i];
                yield return new FeatureRow(name, i, label, label >= 0 ? images.ClassNames[label] : "", features);
                i++;
            }
        }
    }

    private static void Write(IWorkflowProgress progress, string title, string output, FeatureFileFormat format, IEnumerable<FeatureRow> rows, long total, int length, bool withIndex, CancellationToken cancellation) =>
        progress.Stage(title, report =>
        {
            long done = 0;
            var counted = rows.Select(row =>
            {
                cancellation.ThrowIfCancellationRequested();
                report.Report(new StageProgress(++done, total, ""));
                return row;
            });
            AtomicFile.Write(output, stream => FeatureFile.Write(stream, format, counted, length, withIndex));
        });
}
