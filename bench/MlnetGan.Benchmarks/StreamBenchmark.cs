using System.CommandLine;
using System.Diagnostics;
using MlnetGan.Cli;
using MlnetGan.Cli.Commands;
using MlnetGan.Data;
using MlnetGan.Gan;
using Spectre.Console;
using static TorchSharp.torch;

namespace MlnetGan.Benchmarks;

/// <summary>
/// <c>mlnetgan-bench stream</c>: the trainer reading a packed dataset from disk against the same trainer on the same images in
/// memory (alternating rounds), and the process's own memory while it trains on a packed dataset of any size.
/// </summary>
internal static class StreamBenchmark
{
    public static Command Create()
    {
        var packed = new Option<string>("--packed") { Description = "A packed dataset folder ('mlnetgan pack').", Required = true };
        var inMemory = new Option<bool>("--compare-in-memory") { Description = "Also train on the same images loaded into memory, alternating with the packed runs, and print the ratio (the packed set must fit in memory)." };
        var steps = SharedOptions.Positive(new Option<int>("--steps") { Description = "Trainer steps per round.", DefaultValueFactory = _ => 300 });
        var rounds = SharedOptions.Positive(new Option<int>("--rounds") { Description = "Rounds (each: packed, then in memory when compared).", DefaultValueFactory = _ => 3 });
        var sampleEvery = SharedOptions.Positive(new Option<int>("--sample-every") { Description = "Steps between memory readings.", DefaultValueFactory = _ => 25 });
        var batchSize = SharedOptions.Positive(new Option<int>("--batch-size") { Description = "Images per step.", DefaultValueFactory = _ => 128 });
        var width = SharedOptions.Positive(new Option<int>("--width") { Description = "ngf = ndf.", DefaultValueFactory = _ => new DcganConfig().Ndf });
        var precision = SharedOptions.Precision();
        var command = new Command("stream", "Trainer images/s reading a packed dataset vs the same images in memory; anonymous and file-backed RSS while training on a packed dataset.")
        {
            packed, inMemory, steps, rounds, sampleEvery, batchSize, width, precision,
        };
        command.SetAction(parse =>
        {
            var folder = parse.GetRequiredValue(packed);
            var splits = PackedDataset.Open(folder);
            var model = new DcganConfig { ImageSize = splits.Train.Height, Channels = splits.Train.Channels, Ngf = parse.GetValue(width), Ndf = parse.GetValue(width) }.Validate();
            var options = new TrainingOptions { BatchSize = parse.GetValue(batchSize), CheckpointEvery = 0, KeepCheckpoints = 1, Precision = TrainingPrecisions.Resolve(parse.GetValue(precision), CPU) };
            var memory = parse.GetValue(inMemory) ? InMemoryCopy(splits.Train) : null;
            long bytes = (long)splits.Train.Count * splits.Train.ImageLength;
            AnsiConsole.MarkupLineInterpolated($"bench stream: {splits.Train.Count:N0} images of {model.Channels}x{model.ImageSize}x{model.ImageSize} ({bytes / 1073741824.0:F1} GiB) in {folder}; {CheckpointStore.Describe(model)}, batch {options.BatchSize}, {OptionParsers.Kebab(options.Precision)}, {get_num_threads()} threads; machine memory {MemInfo("MemTotal") / 1073741824.0:F1} GiB");
            var read = new Table().AddColumn("reading one batch of random images").AddColumn("time per batch").AddColumn("images/s");
            foreach (var (name, images) in new[] { ("packed (positioned reads)", splits.Train), ("in memory", memory) })
            {
                if (images is null) continue;
                double seconds = GatherSeconds(images, options.BatchSize);
                read.AddRow(name, $"{seconds * 1e6:F0} µs", $"{options.BatchSize / seconds:N0}");
            }
            AnsiConsole.Write(read);
            var table = new Table().AddColumn("round (rate after step 50)").AddColumn("packed, images/s").AddColumn("in memory, images/s").AddColumn("packed / in memory");
            var packedRates = new List<double>();
            var memoryRates = new List<double>();
            var readings = new List<(int Round, long Step, long Anon, long File)>();
            for (int round = 1; round <= parse.GetValue(rounds); round++)
            {
                int r = round;
                // Alternate which goes first, so a drift of the machine's speed within a round favours neither.
                void Packed() => packedRates.Add(Train($"packed, round {r}", splits.Train, model, options, parse.GetValue(steps), parse.GetValue(sampleEvery), (step, anon, file) => readings.Add((r, step, anon, file))));
                void InMemory() => memoryRates.Add(Train($"in memory, round {r}", memory!, model, options, parse.GetValue(steps), int.MaxValue, (_, _, _) => { }));
                if (memory is not null && round % 2 == 0) InMemory();
                Packed();
                if (memory is not null && round % 2 == 1) InMemory();
                table.AddRow($"{round}", $"{packedRates[^1]:F1}", memory is null ? "-" : $"{memoryRates[^1]:F1}", memory is null ? "-" : $"{packedRates[^1] / memoryRates[^1]:F3}");
            }
            if (memory is not null)
            {
                table.AddRow("mean", $"{packedRates.Average():F1}", $"{memoryRates.Average():F1}", $"{packedRates.Average() / memoryRates.Average():F3}");
                table.AddRow("median of the ratios", "", "", $"{packedRates.Zip(memoryRates, (p, m) => p / m).Order().ElementAt(packedRates.Count / 2):F3}");
            }
            AnsiConsole.Write(table);
            var rss = new Table().AddColumn("round").AddColumn("step").AddColumn("anonymous RSS").AddColumn("file-backed RSS");
            foreach (var reading in readings) rss.AddRow($"{reading.Round}", $"{reading.Step}", $"{reading.Anon / 1048576.0:F0} MiB", $"{reading.File / 1048576.0:F0} MiB");
            AnsiConsole.Write(rss);
            var settled = readings.Where(x => x.Step >= 2L * parse.GetValue(sampleEvery)).ToList();
            if (settled.Count > 1)
                AnsiConsole.MarkupLineInterpolated($"anonymous RSS from step {settled[0].Step} of round {settled[0].Round} to the end: {settled[0].Anon / 1048576.0:F0} -> {settled[^1].Anon / 1048576.0:F0} MiB (max {settled.Max(x => x.Anon) / 1048576.0:F0} MiB); the dataset is {bytes / 1048576.0:F0} MiB");
            return 0;
        });
        return command;
    }

    /// <summary>Seconds to copy one batch of random images out of <paramref name="images"/> (mean over 2,000 batches, after 100 unmeasured).</summary>
    private static double GatherSeconds(ImageDataset images, int batchSize)
    {
        const int batches = 2000, warmup = 100;
        var random = new Random(1);
        var indices = new long[batchSize];
        var buffer = new byte[batchSize * images.ImageLength];
        var clock = new Stopwatch();
        for (int b = 0; b < warmup + batches; b++)
        {
            if (b == warmup) clock.Start();
            for (int i = 0; i < batchSize; i++) indices[i] = random.NextInt64(images.Count);
            images.CopyImages(indices, buffer);
        }
        return clock.Elapsed.TotalSeconds / batches;
    }

    private static ImageDataset InMemoryCopy(ImageDataset packed) =>
        new(packed.CopyPixels(), (int[])packed.Labels.Clone(), packed.Channels, packed.Height, packed.Width, packed.ClassNames, packed.Source);

    private static double Train(string title, ImageDataset data, DcganConfig model, TrainingOptions options, int steps, int sampleEvery, Action<long, long, long> record)
    {
        var run = new RunFolder(Path.Combine(Path.GetTempPath(), "mlnetgan-bench", Guid.NewGuid().ToString("N")));
        long stepsPerEpoch = data.Count / options.BatchSize;
        int warmup = Math.Min(WarmupSteps, steps / 4);
        using var stop = new CancellationTokenSource();
        var clock = new Stopwatch();
        if (warmup == 0) clock.Start();
        ConsoleProgress.Run(title, report =>
        {
            var progress = new SynchronousProgress<TrainingProgress>(p =>
            {
                if (p.Step == warmup) clock.Start();
                report(p.Step, steps, $"{p.ImagesPerSecond:F0} img/s");
                if (p.Step % sampleEvery == 0 || p.Step == steps) record(p.Step, Status("RssAnon"), Status("RssFile"));
                if (p.Step >= steps)
                {
                    clock.Stop();
                    stop.Cancel();
                }
            });
            DcganTrainer.Train(data, run, model, options with { Epochs = (int)((steps + stepsPerEpoch - 1) / stepsPerEpoch) }, CPU, progress: progress, cancellation: stop.Token);
        });
        try { Directory.Delete(run.Root, recursive: true); } catch (IOException) { }
        return (steps - warmup) * (double)options.BatchSize / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Steps left out of the rate at the start of each run (weights, first epoch order, JIT), or a quarter of the steps when fewer.</summary>
    private const int WarmupSteps = 50;

    /// <summary>A "kB" field of /proc/self/status, in bytes.</summary>
    private static long Status(string field) => ProcField("/proc/self/status", field);

    private static long MemInfo(string field) => ProcField("/proc/meminfo", field);

    private static long ProcField(string path, string field)
    {
        foreach (var line in File.ReadLines(path))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        return 0;
    }
}
