using System.CommandLine;
using System.Diagnostics;
using MlnetGan.Cli;
using MlnetGan.Cli.Commands;
using MlnetGan.Gan;
using MlnetGan.Onnx;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace MlnetGan.Benchmarks;

/// <summary><c>mlnetgan-bench export</c>: export time and file size; ONNX Runtime against TorchSharp's eval mode.</summary>
internal static class ExportBenchmark
{
    public static Command Create()
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
}
