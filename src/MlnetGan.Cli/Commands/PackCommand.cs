using System.CommandLine;
using MlnetGan.Data;

namespace MlnetGan.Cli.Commands;

/// <summary><c>mlnetgan pack</c>: converts a dataset once into a packed folder that training, featurizing and evaluation read batch by batch (<see cref="DatasetPacker"/>).</summary>
internal static class PackCommand
{
    public static Command Create()
    {
        var data = SharedOptions.Data();
        var format = SharedOptions.Format();
        var skipCorrupt = SharedOptions.SkipCorrupt();
        var imageSize = SharedOptions.ImageSize();
        var channels = SharedOptions.Channels();
        var seed = SharedOptions.Seed();
        var defaults = new DatasetLoadOptions();
        var trainImages = SharedOptions.Positive(new Option<int>("--train-images") { Description = "Built-in dataset only: training images to draw.", DefaultValueFactory = _ => defaults.BuiltinTrainCount });
        var testImages = SharedOptions.Positive(new Option<int>("--test-images") { Description = "Built-in dataset only: test images to draw.", DefaultValueFactory = _ => defaults.BuiltinTestCount });
        var output = new Option<string>("--out") { Description = "The new folder to write: dataset.json and <split>-images.npy / <split>-labels.npy (NumPy arrays; docs/scale-out.md).", Required = true };
        var command = new Command("pack", "Convert a dataset once, at the model's image size and channels, into a packed folder that every command reads batch by batch: "
            + "memory stays at a few batches whatever the dataset's size. Image folders and the built-in dataset are converted a chunk at a time.")
        {
            data, format, skipCorrupt, imageSize, channels, seed, trainImages, testImages, output,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var source = parse.GetRequiredValue(data);
            var target = parse.GetRequiredValue(output);
            var options = SharedOptions.LoadOptions(parse.GetValue(format), parse.GetValue(skipCorrupt), parse.GetValue(imageSize), parse.GetValue(channels), parse.GetValue(seed)) with
            {
                BuiltinTrainCount = parse.GetValue(trainImages),
                BuiltinTestCount = parse.GetValue(testImages),
            };
            PackedSummary summary;
            try
            {
                summary = await Task.Run(() =>
                {
                    PackedSummary? packed = null;
                    ConsoleProgress.Run("Packing", report =>
                        packed = DatasetPacker.Pack(source, target, options, new SynchronousProgress<PackProgress>(p => report(p.Done, p.Total, p.Split)), cancellation));
                    return packed!;
                }, CancellationToken.None);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                Console.Error.WriteLine($"Interrupted; {target} was not written.");
                return CliApp.InterruptedExitCode;
            }
            var metadata = summary.Metadata;
            Console.WriteLine($"Packed {string.Join(" and ", metadata.Splits.Select(s => $"{s.Value:N0} {s.Key}"))} images of {metadata.Channels}x{metadata.Height}x{metadata.Width} "
                + $"({metadata.ClassNames.Count} classes) to {summary.Folder}");
            return 0;
        });
        return command;
    }
}
