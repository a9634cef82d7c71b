using System.CommandLine;
using MlnetGan.Gan;
using MlnetGan.Onnx;
using MlnetGan.Workflows;

namespace MlnetGan.Cli.Commands;

/// <summary><c>mlnetgan export</c>: writes a run's discriminator as ONNX for the ML.NET featurizer, or both networks as PyTorch state dicts.</summary>
internal static class ExportCommand
{
    /// <summary>The <c>--format</c> values: ONNX for the featurizer (the default), or PyTorch state dicts.</summary>
    private const string Onnx = "onnx", PyTorch = "pytorch";

    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "Run folder written by 'mlnetgan train' or 'mlnetgan import'.", Required = true };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "A checkpoint folder of the run (default: the latest)." };
        var format = OptionParsers.OneOf(new Option<string>("--format")
        {
            Description = $"{Onnx}: the discriminator for the featurizer; {PyTorch}: both networks as PyTorch state dicts {PyTorchWeights.GeneratorFileName} and {PyTorchWeights.DiscriminatorFileName} "
                + "named as pytorch/examples' dcgan/main.py names them (its classes are 64x64 only).",
            DefaultValueFactory = _ => Onnx,
        }, Onnx, PyTorch);
        var output = new Option<string?>("--out") { Description = $"The .onnx file to write, atomically (default: <run>/{RunFolder.DiscriminatorFileName}); with --format {PyTorch}, the folder (default: <run>/{PyTorch})." };
        var bnStats = SharedOptions.BatchNormStats();
        var bnBatches = SharedOptions.BatchNormBatches();
        var data = SharedOptions.Data("Training images for --bn-stats recompute (default: the run's own dataset).");
        data.DefaultValueFactory = null;
        var device = SharedOptions.Device();
        var fallback = SharedOptions.AllowCpuFallback();
        var command = new Command("export", $"Export a run's discriminator to ONNX: input 'image', outputs 'features' and 'score' (opset 17); or, with --format {PyTorch}, both networks as PyTorch state dicts.")
        {
            run, checkpoint, format, output, bnStats, bnBatches, data, device, fallback,
        };
        command.SetAction(parse =>
        {
            var folder = new RunFolder(parse.GetRequiredValue(run));
            if (parse.GetValue(format) == PyTorch)
            {
                // The PyTorch files hold the weights and BatchNorm statistics as they are: nothing is recomputed.
                if (new Option[] { bnStats, bnBatches, data, device }.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false }) is { } onnxOnly)
                    throw new ArgumentException($"{onnxOnly.Name} applies to --format {Onnx} only");
                var target = Path.GetFullPath(parse.GetValue(output) ?? Path.Combine(folder.Root, PyTorch));
                var saved = PyTorchTransfer.Export(folder, target, parse.GetValue(checkpoint));
                Console.WriteLine($"Exported the generator and discriminator at step {saved.Step} ({CheckpointStore.Describe(saved.Model)}) as PyTorch state dicts to "
                    + $"{Path.Combine(target, PyTorchWeights.GeneratorFileName)} and {Path.Combine(target, PyTorchWeights.DiscriminatorFileName)}");
                return 0;
            }
            var config = folder.ReadConfig();
            var path = Path.GetFullPath(parse.GetValue(output) ?? folder.DiscriminatorPath);
            var images = parse.GetValue(data) is { } source
                ? SharedOptions.LoadData(source, Data.DatasetFormat.Auto, skipCorrupt: false, config.Model.ImageSize, config.Model.Channels, config.Training.Seed).Train
                : null;
            var state = RunExport.Export(folder, path, new RunExportOptions
            {
                Checkpoint = parse.GetValue(checkpoint),
                BatchNormStatistics = parse.GetValue(bnStats),
                BatchNormBatches = parse.GetValue(bnBatches),
                Images = images,
                Device = TorchDevice.Resolve(parse.GetValue(device)!, parse.GetValue(fallback), m => Console.WriteLine(m)),
            });
            Console.WriteLine($"Exported the discriminator at step {state.Step} ({CheckpointStore.Describe(state.Model)}) to {path}");
            return 0;
        });
        return command;
    }
}
