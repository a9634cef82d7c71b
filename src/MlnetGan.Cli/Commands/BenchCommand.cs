using System.CommandLine;
using System.Diagnostics;
using Microsoft.ML;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.ML;
using MlnetGan.Onnx;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace MlnetGan.Cli.Commands;

/// <summary><c>mlnetgan bench</c>: measurements side by side in one run, for BENCHMARKS.md.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Benchmarks that print figures and ratios measured side by side in one run.");
        command.Subcommands.Add(CreateTrain());
        command.Subcommands.Add(CreateExport());
        command.Subcommands.Add(CreateFeaturize());
        command.Subcommands.Add(CreateFuzz());
        return command;
    }

    private static Command CreateTrain()
    {
        var steps = SharedOptions.Positive(new Option<int>("--steps") { Description = "Trainer steps per precision (RSS is read at step 200 and at the last step).", DefaultValueFactory = _ => 2000 });
        var bareSteps = SharedOptions.Positive(new Option<int>("--bare-steps") { Description = "Timed steps of the bare TorchSharp loop per precision.", DefaultValueFactory = _ => 200 });
        var batchSize = SharedOptions.Positive(new Option<int>("--batch-size") { Description = "Images per step.", DefaultValueFactory = _ => 128 });
        var width = SharedOptions.Positive(new Option<int>("--width") { Description = "ngf = ndf.", DefaultValueFactory = _ => new DcganConfig().Ndf });
        var imageSize = SharedOptions.ImageSize();
        var channels = SharedOptions.Channels();
        var precisions = new Option<string>("--precisions") { Description = "Precisions measured side by side, in order: fp32, bf16 or both.", DefaultValueFactory = _ => "fp32,bf16" };
        var device = SharedOptions.Device();
        var fallback = SharedOptions.AllowCpuFallback();
        var command = new Command("train", "Per precision: trainer images/s vs a bare TorchSharp loop on in-memory tensors; FLOP/s vs a 2048x2048 matmul of that type and vs the CPU's peak; RSS growth.")
        {
            steps, bareSteps, batchSize, width, imageSize, channels, precisions, device, fallback,
        };
        command.SetAction(parse =>
        {
            var torchDevice = TorchDevice.Resolve(parse.GetValue(device)!, parse.GetValue(fallback), m => AnsiConsole.MarkupLineInterpolated($"[yellow]{m}[/]"));
            var chosen = parse.GetValue(precisions)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(p => p switch
                {
                    "fp32" => TrainingPrecision.Fp32,
                    "bf16" => TrainingPrecision.Bf16,
                    _ => throw new ArgumentException($"--precisions: '{p}' is not fp32 or bf16"),
                }).Distinct().ToArray();
            var model = new DcganConfig { ImageSize = parse.GetValue(imageSize), Channels = parse.GetValue(channels), Ngf = parse.GetValue(width), Ndf = parse.GetValue(width) }.Validate();
            RunTrain(model, parse.GetValue(steps), parse.GetValue(bareSteps), parse.GetValue(batchSize), chosen, torchDevice);
            return 0;
        });
        return command;
    }

    /// <summary>What <see cref="MeasureTrain"/> found for one precision.</summary>
    private sealed record TrainMeasurement(TrainingPrecision Precision, double MatmulFlops, double BareRate, double TrainerRate, long Steps, long RssEarly, long RssEnd);

    private static void RunTrain(DcganConfig model, int steps, int bareSteps, int batchSize, TrainingPrecision[] precisions, Device device)
    {
        // Enough images for 8 distinct bare-loop batches and for the trainer (the built-in set is 5,000 images by default).
        var data = BuiltinShapes.GenerateSplit(0, 0, Math.Max(BuiltinShapes.DefaultTrainCount, 8 * batchSize), model.ImageSize, model.Channels);
        var bf16 = TrainingPrecisions.Bf16Support(device);
        var peak = device.type == DeviceType.CPU ? CpuPeak.Detect() : null;
        AnsiConsole.MarkupLineInterpolated($"bench train: {CheckpointStore.Describe(model)}, batch {batchSize}, {torch.get_num_threads()} threads, device {device}; bf16: {(bf16.Fast ? "fast" : "not fast")} ({bf16.Reason}), so auto picks {OptionParsers.Kebab(TrainingPrecisions.Resolve(TrainingPrecision.Auto, device))}");
        if (peak is not null) AnsiConsole.MarkupLineInterpolated($"peak: {peak.Describe()}");

        var measured = precisions.Select(p => MeasureTrain(model, data, steps, bareSteps, batchSize, p, device)).ToArray();
        double stepFlops = ConvolutionFlops.TrainingStep(model, batchSize);
        var table = new Table().AddColumn("measure");
        foreach (var m in measured) table.AddColumn(OptionParsers.Kebab(m.Precision));
        void Row(string name, Func<TrainMeasurement, string> value) => table.AddRow([name, .. measured.Select(value)]);
        Row("bare TorchSharp loop (in-memory tensors)", m => $"{m.BareRate:F1} images/s");
        Row("MlnetGan trainer", m => $"{m.TrainerRate:F1} images/s over {m.Steps} steps");
        Row("ratio trainer / bare", m => $"{m.TrainerRate / m.BareRate:F3}");
        Row("2048x2048 matmul of the type", m => $"{m.MatmulFlops / 1e9:F1} GFLOP/s");
        Row("conv FLOPs per training step (3x forward)", _ => $"{stepFlops / 1e9:F2} GFLOP");
        Row("trainer achieved", m => $"{stepFlops * m.TrainerRate / batchSize / 1e9:F1} GFLOP/s = {stepFlops * m.TrainerRate / batchSize / m.MatmulFlops:F3} of the matmul");
        if (peak is not null)
        {
            Row("CPU peak of the type", m => $"{peak.FlopsPerSecond(m.Precision) / 1e9:F1} GFLOP/s");
            Row("trainer / peak, matmul / peak", m => $"{stepFlops * m.TrainerRate / batchSize / peak.FlopsPerSecond(m.Precision):F3}, {m.MatmulFlops / peak.FlopsPerSecond(m.Precision):F3}");
        }
        Row($"RSS at step {Math.Min(200, steps / 2)}", m => $"{m.RssEarly / 1048576.0:F0} MiB");
        Row($"RSS at step {steps}", m => $"{m.RssEnd / 1048576.0:F0} MiB");
        Row("RSS growth", m => $"{100.0 * (m.RssEnd - m.RssEarly) / Math.Max(m.RssEarly, 1):F2} %");
        AnsiConsole.Write(table);
        var fp32 = measured.FirstOrDefault(m => m.Precision == TrainingPrecision.Fp32);
        var bf = measured.FirstOrDefault(m => m.Precision == TrainingPrecision.Bf16);
        if (fp32 is not null && bf is not null)
            AnsiConsole.MarkupLineInterpolated($"bf16/fp32 trainer: {bf.TrainerRate / fp32.TrainerRate:F2}  (bare loop {bf.BareRate / fp32.BareRate:F2}, matmul {bf.MatmulFlops / fp32.MatmulFlops:F2})");
        if (!bf16.Fast) AnsiConsole.MarkupLineInterpolated($"[yellow]this device has no fast bf16 ({bf16.Reason}): its bf16 figures are emulated, and auto trains in fp32 here[/]");
    }

    private static TrainMeasurement MeasureTrain(DcganConfig model, ImageDataset data, int steps, int bareSteps, int batchSize, TrainingPrecision precision, Device device)
    {
        double matmulFlops = MatmulFlopsPerSecond(device, precision.ComputeType());
        double bareRate = BareLoopImagesPerSecond(model, data, batchSize, bareSteps, precision, device);

        var run = new RunFolder(Path.Combine(Path.GetTempPath(), "mlnetgan-bench", Guid.NewGuid().ToString("N")));
        long stepsPerEpoch = data.Count / batchSize;
        var options = new TrainingOptions { BatchSize = batchSize, Epochs = (int)((steps + stepsPerEpoch - 1) / stepsPerEpoch), CheckpointEvery = 0, KeepCheckpoints = 1, Precision = precision };
        long rssEarly = 0, rssEnd = 0;
        using var stop = new CancellationTokenSource();
        var probe = new RssProbe(Math.Min(200, steps / 2), steps, stop, (step, rss) => { if (step < steps) rssEarly = rss; else rssEnd = rss; });
        TrainingResult result = null!;
        ConsoleProgress.Run($"trainer {OptionParsers.Kebab(precision)}", report =>
        {
            var progress = new SynchronousProgress<TrainingProgress>(p => { probe.Report(p); report(p.Step, steps, $"{p.ImagesPerSecond:F0} img/s"); });
            result = DcganTrainer.Train(data, run, model, options, device, progress: progress, cancellation: stop.Token);
        });
        try { Directory.Delete(run.Root, recursive: true); } catch (IOException) { }
        return new TrainMeasurement(precision, matmulFlops, bareRate, result.ImagesPerSecond, result.Step, rssEarly, rssEnd);
    }

    private static Command CreateExport()
    {
        var images = SharedOptions.Positive(new Option<int>("--images") { Description = "Images featurized per measurement.", DefaultValueFactory = _ => 2048 });
        var command = new Command("export", "Export time and file size; ONNX Runtime vs TorchSharp eval-mode 'features' images/s at batch 1 and 256 (CPU).") { images };
        command.SetAction(parse =>
        {
            RunExport(parse.GetValue(images));
            return 0;
        });
        return command;
    }

    private static void RunExport(int imageCount)
    {
        var model = new DcganConfig();
        using var d = new DcganDiscriminator(model);
        using (var init = new torch.Generator(1, CPU)) WeightInit.Apply(d, init);
        d.eval();
        AnsiConsole.MarkupLineInterpolated($"bench export: {CheckpointStore.Describe(model)}, {model.FeatureLength} features, {torch.get_num_threads()} threads, CPU");

        var path = Path.Combine(Path.GetTempPath(), $"mlnetgan-bench-{Guid.NewGuid():N}.onnx");
        const int exports = 5;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < exports; i++) DiscriminatorOnnxExporter.Export(d, new OnnxExportInfo(), path);
        double exportMs = clock.Elapsed.TotalMilliseconds / exports;
        long fileBytes = new FileInfo(path).Length;

        var table = new Table().AddColumns("measure", "batch 1", "batch 256");
        var pixels = new float[256 * model.Channels * model.ImageSize * model.ImageSize];
        var random = new Random(1);
        for (int i = 0; i < pixels.Length; i++) pixels[i] = random.NextSingle() * 2 - 1;
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(path);
        double[] ort = [.. new[] { 1, 256 }.Select(batch => OrtImagesPerSecond(session, pixels, batch, model, imageCount))];
        double[] torchRate = [.. new[] { 1, 256 }.Select(batch => TorchImagesPerSecond(d, pixels, batch, model, imageCount))];
        File.Delete(path);

        table.AddRow("ONNX Runtime (images/s)", $"{ort[0]:F0}", $"{ort[1]:F0}");
        table.AddRow("TorchSharp eval mode (images/s)", $"{torchRate[0]:F0}", $"{torchRate[1]:F0}");
        table.AddRow("ratio ORT / TorchSharp", $"{ort[0] / torchRate[0]:F2}", $"{ort[1] / torchRate[1]:F2}");
        AnsiConsole.MarkupLineInterpolated($"export: {exportMs:F1} ms per export, file {fileBytes / 1048576.0:F2} MiB ({fileBytes:N0} bytes)");
        AnsiConsole.Write(table);
    }

    private static double OrtImagesPerSecond(Microsoft.ML.OnnxRuntime.InferenceSession session, float[] pixels, int batch, DcganConfig model, int imageCount)
    {
        int length = model.Channels * model.ImageSize * model.ImageSize;
        var input = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(pixels.AsMemory(0, batch * length), [batch, model.Channels, model.ImageSize, model.ImageSize]);
        var inputs = new[] { Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("image", input) };
        string[] outputs = ["features"];
        using (session.Run(inputs, outputs)) { }
        int runs = Math.Max(1, imageCount / batch);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < runs; i++) using (session.Run(inputs, outputs)) { }
        return runs * (double)batch / clock.Elapsed.TotalSeconds;
    }

    private static double TorchImagesPerSecond(DcganDiscriminator d, float[] pixels, int batch, DcganConfig model, int imageCount)
    {
        int length = model.Channels * model.ImageSize * model.ImageSize;
        using var noGrad = no_grad();
        using var input = tensor(pixels.AsSpan(0, batch * length).ToArray(), [batch, model.Channels, model.ImageSize, model.ImageSize]);
        using (var warm = d.Features(input)) { _ = warm.data<float>()[0]; }
        int runs = Math.Max(1, imageCount / batch);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < runs; i++)
        {
            using var scope = NewDisposeScope();
            _ = d.Features(input).data<float>()[0];
        }
        return runs * (double)batch / clock.Elapsed.TotalSeconds;
    }

    private static Command CreateFuzz()
    {
        var cases = SharedOptions.Positive(new Option<int>("--cases") { Description = "Mutants per format.", DefaultValueFactory = _ => 5000 });
        var formats = new Option<string>("--formats") { Description = $"Comma-separated formats: {string.Join(", ", Fuzzing.InputFuzzer.Formats)}.", DefaultValueFactory = _ => string.Join(",", Fuzzing.InputFuzzer.Formats) };
        var seed = SharedOptions.Seed();
        var timeout = SharedOptions.Positive(new Option<int>("--timeout") { Description = "Seconds one case may run before it counts as a hang.", DefaultValueFactory = _ => 30 });
        var command = new Command("fuzz", "Mutates valid seed files of every input format and counts how each reader ends: accepted, refused with its documented error, or a defect (another exception, a hang, a memory blow-up).")
        {
            cases, formats, seed, timeout,
        };
        command.SetAction(parse =>
        {
            using var fuzzer = new Fuzzing.InputFuzzer(TimeSpan.FromSeconds(parse.GetValue(timeout)));
            var table = new Table().AddColumns("format", "inputs tried", "outcomes");
            int defects = 0;
            foreach (var format in parse.GetValue(formats)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var report = fuzzer.Run(format, parse.GetValue(cases), (int)parse.GetValue(seed));
                table.AddRow(Markup.Escape(format), report.Cases.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
                    Markup.Escape(string.Join("; ", report.Outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value:N0}"))));
                foreach (var defect in report.Defects) AnsiConsole.MarkupLineInterpolated($"[red]defect:[/] {defect}");
                defects += report.Defects.Count;
            }
            AnsiConsole.Write(table);
            using var process = Process.GetCurrentProcess();
            AnsiConsole.MarkupLineInterpolated($"peak working set {process.PeakWorkingSet64 / 1048576.0:F0} MiB; {defects} defects");
            return defects == 0 ? 0 : 1;
        });
        return command;
    }

    private static Command CreateFeaturize()
    {
        var data = SharedOptions.Data("Dataset with a test split (CIFAR-10 in the README's benchmarks).");
        var images = SharedOptions.Positive(new Option<int>("--images") { Description = "Test images featurized per measurement.", DefaultValueFactory = _ => 10000 });
        var batchSize = SharedOptions.Positive(new Option<int>("--batch-size") { Description = "Featurizer and raw-session batch size.", DefaultValueFactory = _ => 64 });
        var command = new Command("featurize", "ML.NET featurizer images/s vs a raw ONNX Runtime session on pre-made batches vs ML.NET's ApplyOnnxModel; memory over all images.")
        {
            data, images, batchSize,
        };
        command.SetAction(parse =>
        {
            RunFeaturize(parse.GetValue(data)!, parse.GetValue(images), parse.GetValue(batchSize));
            return 0;
        });
        return command;
    }

    private static void RunFeaturize(string dataPath, int imageCount, int batchSize)
    {
        var model = new DcganConfig();
        var splits = SharedOptions.LoadData(dataPath, Data.DatasetFormat.Auto, skipCorrupt: false, model.ImageSize, model.Channels, seed: 0);
        var test = splits.Test ?? splits.Train;
        var images = test.Subset(Enumerable.Range(0, Math.Min(imageCount, test.Count)).ToArray());
        var path = Path.Combine(Path.GetTempPath(), $"mlnetgan-bench-{Guid.NewGuid():N}.onnx");
        using (var d = new DcganDiscriminator(model))
        {
            using (var init = new torch.Generator(1, CPU)) WeightInit.Apply(d, init);
            d.eval();
            DiscriminatorOnnxExporter.Export(d, new OnnxExportInfo(), path);
        }
        AnsiConsole.MarkupLineInterpolated($"bench featurize: {images.Count} images from {images.Source}, {CheckpointStore.Describe(model)}, batch {batchSize}, CPU");
        try
        {
            var ml = new Microsoft.ML.MLContext(seed: 0);
            double raw = RawSessionImagesPerSecond(path, images, batchSize);
            double featurizer = FeaturizerImagesPerSecond(ml, path, images, batchSize);
            double stock = StockApplyOnnxImagesPerSecond(ml, path, images);
            using var process = Process.GetCurrentProcess();
            long before = process.WorkingSet64;
            var (peakAfterTest, peakAfterAll, total) = StreamAll(ml, path, splits, batchSize);

            var table = new Table().AddColumns("measure", "value");
            table.AddRow("(a) raw ONNX Runtime session, pre-made batches", $"{raw:F0} images/s");
            table.AddRow("MlnetGan featurizer (ML.NET cursor, batched)", $"{featurizer:F0} images/s");
            table.AddRow("(b) ML.NET ApplyOnnxModel (row by row)", $"{stock:F0} images/s");
            table.AddRow("featurizer / (a)", $"{featurizer / raw:F3} (target >= 0.85)");
            table.AddRow("featurizer / (b)", $"{featurizer / stock:F2} (target >= 3)");
            table.AddRow($"RSS before streaming, after {splits.Test?.Count ?? 0:N0} and after all {total:N0} images", $"{before / 1048576.0:F0} / {peakAfterTest / 1048576.0:F0} / {peakAfterAll / 1048576.0:F0} MiB");
            AnsiConsole.Write(table);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static double RawSessionImagesPerSecond(string model, Data.ImageDataset images, int batchSize)
    {
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(model);
        int length = images.ImageLength;
        var batches = new List<Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>>();
        for (int start = 0; start < images.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, images.Count - start);
            var values = new float[n * length];
            for (int i = 0; i < values.Length; i++) values[i] = images.Pixels[start * length + i] / 127.5f - 1f;
            batches.Add(new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(values, [n, 3, 32, 32]));
        }
        string[] outputs = ["features"];
        using (session.Run([Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("image", batches[0])], outputs)) { }
        var clock = Stopwatch.StartNew();
        foreach (var batch in batches)
            using (session.Run([Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("image", batch)], outputs)) { }
        return images.Count / clock.Elapsed.TotalSeconds;
    }

    /// <summary>The featurizer's own throughput: a cursor reads every row's features into a reused buffer (as for (b)).</summary>
    private static double FeaturizerImagesPerSecond(MLContext ml, string model, Data.ImageDataset images, int batchSize)
    {
        double Run(Data.ImageDataset subset)
        {
            var clock = Stopwatch.StartNew();
            var data = new ImageDatasetDataView(subset);
            using var transformer = ml.Transforms.ExtractDcganFeatures(new DcganFeaturizerOptions { ModelPath = model, InputColumnName = "Pixels", BatchSize = batchSize }).Fit(data);
            var output = transformer.Transform(data);
            using var cursor = output.GetRowCursor([output.Schema["Features"]]);
            var getter = cursor.GetGetter<Microsoft.ML.Data.VBuffer<float>>(output.Schema["Features"]);
            Microsoft.ML.Data.VBuffer<float> value = default;
            int rows = 0;
            while (cursor.MoveNext()) { getter(ref value); rows++; }
            return rows / clock.Elapsed.TotalSeconds;
        }
        Run(images.Subset(Enumerable.Range(0, Math.Min(batchSize, images.Count)).ToArray()));
        return Run(images);
    }

    private static double StockApplyOnnxImagesPerSecond(Microsoft.ML.MLContext ml, string model, Data.ImageDataset images)
    {
        var data = new ImageDatasetDataView(images);
        var pipeline = ml.Transforms.Expression("image", "x => x * 0.007843138 - 1", "Pixels")
            .Append(ml.Transforms.ApplyOnnxModel(["features"], ["image"], model));
        var transformer = pipeline.Fit(data);
        var clock = Stopwatch.StartNew();
        var output = transformer.Transform(data);
        using var cursor = output.GetRowCursor([output.Schema["features"]]);
        var getter = cursor.GetGetter<Microsoft.ML.Data.VBuffer<float>>(output.Schema["features"]);
        Microsoft.ML.Data.VBuffer<float> value = default;
        int rows = 0;
        while (cursor.MoveNext()) { getter(ref value); rows++; }
        return rows / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Streams the features of the test split, then of every image, through a cursor without keeping them; returns the peak RSS after each.</summary>
    private static (long AfterTest, long AfterAll, int Total) StreamAll(Microsoft.ML.MLContext ml, string model, Data.DatasetSplits splits, int batchSize)
    {
        long Stream(Data.ImageDataset images)
        {
            foreach (var _ in FeatureMatrix.Stream(ml, model, images, batchSize)) { }
            using var process = Process.GetCurrentProcess();
            return process.PeakWorkingSet64;
        }
        long afterTest = splits.Test is null ? 0 : Stream(splits.Test);
        long afterAll = Stream(splits.Train);
        return (afterTest, afterAll, splits.Train.Count + (splits.Test?.Count ?? 0));
    }

    private static double MatmulFlopsPerSecond(Device device, ScalarType type)
    {
        const int n = 2048, reps = 10;
        using var scope = NewDisposeScope();
        var a = randn(n, n, device: device).to_type(type);
        var b = randn(n, n, device: device).to_type(type);
        mm(a, b).Dispose();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) mm(a, b).Dispose();
        if (device.type == DeviceType.CUDA) cuda.synchronize(device);
        return 2.0 * n * n * n * reps / clock.Elapsed.TotalSeconds;
    }

    /// <summary>The limit: the same training step on batches already scaled and in memory, with no data pipeline or I/O.</summary>
    private static double BareLoopImagesPerSecond(DcganConfig model, ImageDataset data, int batchSize, int steps, TrainingPrecision precision, Device device)
    {
        using var g = new DcganGenerator(model);
        using var d = new DcganDiscriminator(model);
        using (var init = new torch.Generator(1, CPU)) { WeightInit.Apply(g, init); WeightInit.Apply(d, init); }
        g.to(device);
        d.to(device);
        g.ComputeType = d.ComputeType = precision.ComputeType();
        using var optG = optim.Adam(g.parameters(), 2e-4, 0.5, 0.999);
        using var optD = optim.Adam(d.parameters(), 2e-4, 0.5, 0.999);
        using var images = TensorImages.DatasetTensor(data, device);
        const int distinctBatches = 8;
        var batches = Enumerable.Range(0, distinctBatches).Select(i => TensorImages.ToModelRange(images.narrow(0, i * batchSize, batchSize))).ToArray();
        var noises = Enumerable.Range(0, distinctBatches).Select(i => DcganTrainer.Noise(1, RandomStream.TrainingNoise, i, batchSize, model.Nz, device)).ToArray();
        try
        {
            var step = new DcganStep(g, d, optG, optD);
            for (int i = 0; i < 5; i++) step.Run(batches[i % distinctBatches], noises[i % distinctBatches]);
            var clock = Stopwatch.StartNew();
            ConsoleProgress.Run($"bare loop {OptionParsers.Kebab(precision)}", report =>
            {
                for (int i = 0; i < steps; i++)
                {
                    step.Run(batches[i % distinctBatches], noises[i % distinctBatches]);
                    report(i + 1, steps, $"{(i + 1) * (double)batchSize / clock.Elapsed.TotalSeconds:F0} img/s");
                }
            });
            return steps * (double)batchSize / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            foreach (var t in batches.Concat(noises)) t.Dispose();
        }
    }

    /// <summary>Reads the process's resident set size at the early and the last step, and stops training after the last.</summary>
    private sealed class RssProbe(int earlyStep, int lastStep, CancellationTokenSource stop, Action<long, long> record)
    {
        public void Report(TrainingProgress p)
        {
            if (p.Step != earlyStep && p.Step < lastStep) return;
            using var process = Process.GetCurrentProcess();
            record(p.Step, process.WorkingSet64);
            if (p.Step >= lastStep) stop.Cancel();
        }
    }
}
