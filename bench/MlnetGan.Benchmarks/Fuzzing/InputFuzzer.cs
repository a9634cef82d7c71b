using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML;
using MlnetGan.Cli.Commands;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.ML;
using MlnetGan.Onnx;
using SkiaSharp;
using static TorchSharp.torch;

namespace MlnetGan.Benchmarks.Fuzzing;

/// <summary>How one fuzz case ended.</summary>
internal enum FuzzOutcome
{
    /// <summary>The reader accepted the file.</summary>
    Accepted,

    /// <summary>The reader refused it with the format's documented exception type.</summary>
    Refused,

    /// <summary>Another exception type escaped: a defect.</summary>
    UnexpectedException,

    /// <summary>The reader did not finish within the per-case timeout: a defect.</summary>
    Hang,

    /// <summary>The reader allocated more managed memory than the per-case bound: a defect.</summary>
    MemoryBlowUp,
}

/// <summary>Counts of one format's fuzz run; <see cref="Defects"/> lists what should never happen (type and first message).</summary>
internal sealed record FuzzReport(string Format, int Cases, IReadOnlyDictionary<string, int> Outcomes, IReadOnlyList<string> Defects);

/// <summary>
/// Seeded mutation fuzzing of every input format MlnetGan reads: valid seed files are mutated (bit flips, interesting
/// bytes, truncation, splices, inserted bytes, huge header fields, and for JSON replaced tokens) with <see cref="Random"/>
/// seeded per case, and each mutant is handed to the real reader. Every outcome must be acceptance or the format's
/// documented exception; another exception type, a hang (per-case timeout) or a managed allocation above the bound is a
/// defect. Plain seeded mutation rather than FsCheck: the inputs are byte files, shrinking is not needed (each case is
/// reproducible from its seed and index), and the same code serves the CI test and <c>mlnetgan-bench fuzz</c>.
/// </summary>
internal sealed class InputFuzzer : IDisposable
{
    /// <summary>The formats, in the order they are run.</summary>
    public static IReadOnlyList<string> Formats { get; } = ["cifar", "idx", "idx-gz", "png", "jpeg", "onnx", "pipeline", "run-json"];

    private readonly string folder = Path.Combine(Path.GetTempPath(), $"mlnetgan-fuzz-{Guid.NewGuid():N}");
    private readonly TimeSpan timeout;
    private readonly long memoryBound;
    private readonly Dictionary<string, FormatUnderTest> formats = [];

    /// <param name="timeout">Per-case limit; a case still running after it counts as a hang.</param>
    /// <param name="memoryBound">Managed bytes one case may allocate.</param>
    public InputFuzzer(TimeSpan timeout, long memoryBound = 512L << 20)
    {
        this.timeout = timeout;
        this.memoryBound = memoryBound;
        Directory.CreateDirectory(folder);
    }

    /// <summary>Runs <paramref name="cases"/> mutants of <paramref name="format"/>'s seeds, reproducibly from <paramref name="seed"/>.</summary>
    public FuzzReport Run(string format, int cases, int seed)
    {
        var target = Target(format);
        var outcomes = new Dictionary<string, int>();
        var defects = new List<string>();
        for (int i = 0; i < cases; i++)
        {
            var random = new Random(SeedMixer.MixToInt(seed, Formats.ToList().IndexOf(format), i));
            int which = random.Next(target.Seeds.Count);
            var mutant = Mutate(target.Seeds[which], random, target.IsText);
            var caseFolder = Path.Combine(folder, format, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Directory.CreateDirectory(caseFolder);
            var (outcome, detail) = RunOne(() => target.Read(which, mutant, caseFolder), target.Documented);
            var key = outcome switch
            {
                FuzzOutcome.Refused or FuzzOutcome.UnexpectedException => $"{outcome}: {detail!.Split(':')[0]}",
                _ => outcome.ToString(),
            };
            outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
            if (outcome is not (FuzzOutcome.Accepted or FuzzOutcome.Refused) && defects.Count < 20)
                defects.Add($"{format} case {i} (seed {seed}): {outcome} {detail}");
            if (outcome != FuzzOutcome.Hang) TryDelete(caseFolder);
        }
        return new FuzzReport(format, cases, outcomes, defects);
    }

    private (FuzzOutcome, string?) RunOne(Action read, IReadOnlyList<Type> documented)
    {
        long before = GC.GetTotalAllocatedBytes(precise: false);
        var task = Task.Factory.StartNew(read, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        bool finished;
        try { finished = task.Wait(timeout); }
        catch (AggregateException) { finished = true; }
        if (!finished) return (FuzzOutcome.Hang, $"after {timeout.TotalSeconds:F0} s");
        long allocated = GC.GetTotalAllocatedBytes(precise: false) - before;
        if (allocated > memoryBound) return (FuzzOutcome.MemoryBlowUp, $"{allocated:N0} managed bytes allocated");
        var error = task.Exception?.InnerException;
        if (error is null) return (FuzzOutcome.Accepted, null);
        var name = error.GetType().Name;
        return documented.Any(t => t.IsInstanceOfType(error))
            ? (FuzzOutcome.Refused, name)
            : (FuzzOutcome.UnexpectedException, $"{name}: {error.Message.Split('\n')[0]}{(error.InnerException is { } inner ? $" <- {inner.GetType().Name}: {inner.Message.Split('\n')[0]}" : "")} at {error.StackTrace?.Split('\n')[0].Trim()}");
    }

    /// <summary>A mutant of <paramref name="seed"/>: one or two mutations drawn from <paramref name="random"/>.</summary>
    public static byte[] Mutate(byte[] seed, Random random, bool isText)
    {
        var bytes = seed;
        int rounds = random.Next(4) == 0 ? 2 : 1;
        for (int r = 0; r < rounds; r++) bytes = MutateOnce(bytes, random, isText);
        return bytes;
    }

    private static readonly int[] HugeValues = [int.MaxValue, 0x7FFFFFF0, 0x40000000, 0x00100000, -1, int.MinValue, 65536];
    private static readonly byte[] InterestingBytes = [0x00, 0xFF, 0x7F, 0x80, 0x01];
    private static readonly string[] JsonReplacements = ["99999999999999999999", "-1", "0", "1e309", "null", "[]", "{}", "\"\"", "\"../../x\"", "true", "2147483648"];

    private static byte[] MutateOnce(byte[] seed, Random random, bool isText)
    {
        if (seed.Length == 0) return [(byte)random.Next(256)];
        var bytes = (byte[])seed.Clone();
        switch (random.Next(isText ? 7 : 6))
        {
            case 0: // bit flips
                for (int k = 1 + random.Next(8); k > 0; k--) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 1: // interesting bytes
                for (int k = 1 + random.Next(4); k > 0; k--) bytes[random.Next(bytes.Length)] = InterestingBytes[random.Next(InterestingBytes.Length)];
                return bytes;
            case 2: // truncation
                return bytes[..random.Next(bytes.Length)];
            case 3: // splice: a chunk of the file copied over another place
            {
                int length = 1 + random.Next(Math.Min(256, bytes.Length));
                int from = random.Next(bytes.Length - length + 1), to = random.Next(bytes.Length - length + 1);
                Array.Copy(seed, from, bytes, to, length);
                return bytes;
            }
            case 4: // inserted bytes: random, or a duplicated chunk
            {
                int at = random.Next(bytes.Length + 1);
                byte[] insert;
                if (random.Next(2) == 0) { insert = new byte[1 + random.Next(64)]; random.NextBytes(insert); }
                else { int length = 1 + random.Next(Math.Min(512, bytes.Length)); int from = random.Next(bytes.Length - length + 1); insert = bytes[from..(from + length)]; }
                return [.. bytes[..at], .. insert, .. bytes[at..]];
            }
            case 5: // a huge header field (big- or little-endian), within the first 64 bytes
            {
                if (bytes.Length < 4) return bytes;
                int at = random.Next(Math.Min(64, bytes.Length - 3));
                int value = HugeValues[random.Next(HugeValues.Length)];
                if (random.Next(2) == 0) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(at), value);
                else BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), value);
                return bytes;
            }
            default: // JSON: a number, string or literal token replaced
            {
                var text = Encoding.UTF8.GetString(bytes);
                var tokens = Regex.Matches(text, "-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?|\"[^\"]*\"|true|false|null");
                if (tokens.Count == 0) return bytes;
                var token = tokens[random.Next(tokens.Count)];
                return Encoding.UTF8.GetBytes(string.Concat(text.AsSpan(0, token.Index), JsonReplacements[random.Next(JsonReplacements.Length)], text.AsSpan(token.Index + token.Length)));
            }
        }
    }

    private sealed record FormatUnderTest(IReadOnlyList<byte[]> Seeds, Action<int, byte[], string> Read, IReadOnlyList<Type> Documented, bool IsText = false);

    private FormatUnderTest Target(string format)
    {
        if (formats.TryGetValue(format, out var known)) return known;
        var created = format switch
        {
            "cifar" => Cifar(),
            "idx" => Idx(gzip: false),
            "idx-gz" => Idx(gzip: true),
            "png" => Image(SKEncodedImageFormat.Png),
            "jpeg" => Image(SKEncodedImageFormat.Jpeg),
            "onnx" => Onnx(),
            "pipeline" => Pipeline(),
            "run-json" => RunJson(),
            _ => throw new ArgumentException($"unknown fuzz format '{format}' (formats: {string.Join(", ", Formats)})"),
        };
        formats[format] = created;
        return created;
    }

    private static ImageDataset SeedImages(int count, int channels, int size) => BuiltinShapes.GenerateSplit(11, 0, count, size, channels);

    private FormatUnderTest Cifar()
    {
        var path = Path.Combine(folder, "seed.bin");
        CifarBinaryReader.WriteBatch(SeedImages(6, 3, 32), path);
        return new([File.ReadAllBytes(path)], (_, bytes, dir) =>
        {
            var file = Path.Combine(dir, "data_batch_1.bin");
            File.WriteAllBytes(file, bytes);
            CifarBinaryReader.ReadBatch(file);
        }, [typeof(DatasetException)]);
    }

    private FormatUnderTest Idx(bool gzip)
    {
        var suffix = gzip ? ".gz" : "";
        string[] names = [$"train-images-idx3-ubyte{suffix}", $"train-labels-idx1-ubyte{suffix}"];
        var seedFolder = Path.Combine(folder, "idx-seed" + suffix);
        var images = SeedImages(8, 1, 28);
        IdxReader.WritePair(images, Path.Combine(seedFolder, names[0]), Path.Combine(seedFolder, names[1]));
        var seeds = names.Select(n => File.ReadAllBytes(Path.Combine(seedFolder, n))).ToArray();
        return new(seeds, (which, bytes, dir) =>
        {
            for (int k = 0; k < names.Length; k++) File.WriteAllBytes(Path.Combine(dir, names[k]), k == which ? bytes : seeds[k]);
            DatasetLoader.Load(dir, new DatasetLoadOptions { ImageSize = 32, Channels = 1 });
        }, [typeof(DatasetException)]);
    }

    private static byte[] EncodeSeedImage(SKEncodedImageFormat format)
    {
        var image = SeedImages(1, 3, 32);
        using var bitmap = new SKBitmap(new SKImageInfo(32, 32, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        ImageConversion.WriteRgba(image.GetImage(0), 3, 32 * 32, ImageConversion.WritablePixels(bitmap));
        using var data = bitmap.Encode(format, 90);
        return data.ToArray();
    }

    private static FormatUnderTest Image(SKEncodedImageFormat format) =>
        new([EncodeSeedImage(format)], (_, bytes, dir) =>
        {
            var file = Path.Combine(dir, format == SKEncodedImageFormat.Png ? "image.png" : "image.jpg");
            File.WriteAllBytes(file, bytes);
            using var bitmap = ImageFile.Decode(file);
        }, [typeof(DatasetException)]);

    private string ExportSeedModel()
    {
        var path = Path.Combine(folder, "seed.onnx");
        if (File.Exists(path)) return path;
        using var d = new DcganDiscriminator(new DcganConfig { Ndf = 8 });
        using (var generator = new Generator(5, CPU)) WeightInit.Apply(d, generator);
        d.eval();
        DiscriminatorOnnxExporter.Export(d, new OnnxExportInfo(), path);
        return path;
    }

    private FormatUnderTest Onnx() =>
        new([File.ReadAllBytes(ExportSeedModel())], (_, bytes, dir) =>
        {
            var file = Path.Combine(dir, "model.onnx");
            File.WriteAllBytes(file, bytes);
            var info = DcganModelInfo.Read(file);
            using var session = new DcganOnnxSession(DcganModelInfo.ReadModelBytes(file), info);
            session.Run(new float[info.PixelCount], 1, new float[info.FeatureLength], info.ScoreOutputName is null ? null : new float[Math.Max(1, info.ScoreLength)]);
        }, [typeof(DcganModelException)]);

    private FormatUnderTest Pipeline()
    {
        var model = ExportSeedModel();
        var images = Path.Combine(folder, "pipeline-images");
        ImageFolderReader.WriteClassFolders(SeedImages(6, 3, 32).Subset([0, 1, 2, 3, 4, 5]), images);
        var rows = Directory.GetFiles(images, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => new ImageRow { ImagePath = f, Label = Path.GetFileName(Path.GetDirectoryName(f)!) }).ToList();
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(rows);
        var fitted = ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label")
            .Append(ml.Transforms.LoadImages("Image", null, "ImagePath"))
            .Append(ml.Transforms.ResizeImages("Image", 32, 32))
            .Append(ml.Transforms.ExtractDcganFeatures("Features", model))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("LabelKey", "Features", maximumNumberOfIterations: 2))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"))
            .Fit(data);
        var zip = Path.Combine(folder, "seed-pipeline.zip");
        ml.Model.Save(fitted, data.Schema, zip);
        var image = rows[0].ImagePath;
        return new([File.ReadAllBytes(zip)], (_, bytes, dir) =>
        {
            var file = Path.Combine(dir, "pipeline.zip");
            File.WriteAllBytes(file, bytes);
            PredictCommand.Predict(new MLContext(seed: 0), file, [image]);
        }, [typeof(ArgumentException), typeof(DcganModelException), typeof(DatasetException)]);
    }

    private FormatUnderTest RunJson()
    {
        var model = new DcganConfig();
        var config = new RunConfig(model, new TrainingOptions(), new DatasetInfo("builtin", 5000, BuiltinShapes.ClassNames), VersionInfo.Version);
        var configJson = Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(config, RunFolder.Json));
        var latestJson = """{ "checkpoint": "step-00000500" }"""u8.ToArray();
        var stateJson = Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new CheckpointState(500, 2, model), RunFolder.Json));
        return new([configJson, latestJson, stateJson], (which, bytes, dir) =>
        {
            var run = new RunFolder(dir);
            switch (which)
            {
                case 0:
                    File.WriteAllBytes(run.ConfigPath, bytes);
                    run.ReadConfig();
                    break;
                case 1:
                    Directory.CreateDirectory(run.CheckpointsPath);
                    File.WriteAllBytes(Path.Combine(run.CheckpointsPath, "latest.json"), bytes);
                    new CheckpointStore(run).LatestPathOrNull();
                    break;
                default:
                    var checkpoint = Path.Combine(run.CheckpointsPath, "step-00000500");
                    Directory.CreateDirectory(checkpoint);
                    File.WriteAllBytes(Path.Combine(checkpoint, "state.json"), bytes);
                    CheckpointStore.ReadState(checkpoint);
                    break;
            }
        }, [typeof(RunException)], IsText: true);
    }

    private sealed class ImageRow
    {
        public string ImagePath { get; set; } = "";
        public string Label { get; set; } = "";
    }

    private static void TryDelete(string path)
    {
        try { Directory.Delete(path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <inheritdoc />
    public void Dispose() => TryDelete(folder);
}
