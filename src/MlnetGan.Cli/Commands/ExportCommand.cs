using System.CommandLine;
using MlnetGan.Gan;
using MlnetGan.Onnx;

namespace MlnetGan.Cli.Commands;

/// <summary><c>mlnetgan export</c>: writes a run's discriminator as ONNX for the ML.NET featurizer.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "Run folder written by 'mlnetgan train'.", Required = true };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "A checkpoint folder of the run (default: the latest)." };
        var output = new Option<string?>("--out") { Description = $"The .onnx file to write, atomically (default: <run>/{RunFolder.DiscriminatorFileName})." };
        var bnStats = SharedOptions.BatchNormStats();
        var bnBatches = SharedOptions.BatchNormBatches();
        var data = SharedOptions.Data("Training images for --bn-stats recompute (default: the run's own dataset).");
        data.DefaultValueFactory = null;
        var device = SharedOptions.Device();
        var fallback = SharedOptions.AllowCpuFallback();
        var command = new Command("export", "Export a run's discriminator to ONNX: input 'image', outputs 'features' and 'score' (opset 17).")
        {
            run, checkpoint, output, bnStats, bnBatches, data, device, fallback,
        };
        command.SetAction(parse =>
        {
            var folder = new RunFolder(parse.GetRequiredValue(run));
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
