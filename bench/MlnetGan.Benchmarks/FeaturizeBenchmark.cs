using System.CommandLine;
using System.Diagnostics;
using MlnetGan.Cli;
using MlnetGan.Cli.Commands;
using Microsoft.ML;
using MlnetGan.Gan;
using MlnetGan.ML;
using MlnetGan.Onnx;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace MlnetGan.Benchmarks;

/// <summary><c>mlnetgan-bench featurize</c>: the ML.NET featurizer against a raw ONNX Runtime session and ML.NET's ApplyOnnxModel; memory over all images.</summary>
internal static class FeaturizeBenchmark
{
    public static Command Create()
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
            var bytes = images.CopyPixels(start, n);
            var values = new float[n * length];
            for (int i = 0; i < values.Length; i++) values[i] = bytes[i] / 127.5f - 1f;
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
}
