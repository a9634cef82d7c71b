using System.CommandLine;
using MlnetGan.Onnx;
using MlnetGan.Gan;

namespace MlnetGan.Cli.Commands;

/// <summary><c>mlnetgan export</c>: writes a run's discriminator as ONNX for the ML.NET featurizer.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "Run folder written by 'mlnetgan train'.", Required = true };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "A checkpoint folder of the run (default: the latest)." };
        var output = new Option<string>("--out") { Description = "The .onnx file to write (written atomically).", Required = true };
        var command = new Command("export", "Export a run's discriminator to ONNX (features, score; opset 17).") { run, checkpoint, output };
        command.SetAction(parse =>
        {
            var folder = new RunFolder(parse.GetRequiredValue(run));
            var path = Path.GetFullPath(parse.GetRequiredValue(output));
            var state = RunExport.Export(folder, path, parse.GetValue(checkpoint));
            Console.WriteLine($"Exported the discriminator at step {state.Step} ({CheckpointStore.Describe(state.Model)}) to {path}");
            return 0;
        });
        return command;
    }
}
