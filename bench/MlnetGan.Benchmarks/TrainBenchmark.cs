using System.CommandLine;
using System.Diagnostics;
using MlnetGan.Cli;
using MlnetGan.Cli.Commands;
using MlnetGan.Data;
using MlnetGan.Gan;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace MlnetGan.Benchmarks;

/// <summary><c>mlnetgan-bench train</c>: per precision, the trainer against a bare TorchSharp loop, a matmul and the CPU's peak; RSS growth.</summary>
internal static class TrainBenchmark
{
    public static Command Create()
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
        AnsiConsole.MarkupLineInterpolated($"malloc: {NativeAllocator.TuneForTraining()} (the trainer's setting, applied before the bare loop too)");
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
