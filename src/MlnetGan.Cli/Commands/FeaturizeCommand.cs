using System.CommandLine;
using MlnetGan.ML;
using MlnetGan.Workflows;

namespace MlnetGan.Cli.Commands;

/// <summary>
/// <c>mlnetgan featurize</c>: writes the discriminator features of a dataset, or of one shard of it, to CSV or Parquet for
/// other tools (<see cref="FeaturizeWorkflow.Run"/>).
/// </summary>
internal static class FeaturizeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The exported discriminator (.onnx).", Required = true };
        var data = SharedOptions.Data();
        var format = SharedOptions.Format();
        var skipCorrupt = SharedOptions.SkipCorrupt();
        var split = new Option<string>("--split") { Description = "train | test | all", DefaultValueFactory = _ => "all" };
        OptionParsers.OneOf(split, "train", "test", "all");
        var batchSize = SharedOptions.Positive(new Option<int>("--batch-size") { Description = "Images per ONNX Runtime call.", DefaultValueFactory = _ => new LinearProbeOptions().BatchSize });
        var device = SharedOptions.Device();
        var fallback = SharedOptions.AllowCpuFallback();
        var output = new Option<string>("--out") { Description = "features.csv (columns: split, label, class, f0..fN) or features.parquet (columns: split, label, class, features: a list of floats), written atomically.", Required = true };
        var shard = Shard(new Option<FeatureShard?>("--shard")
        {
            HelpName = "K/N",
            Description = "K/N: featurize only shard K of N (numbered from 0: 0/4 .. 3/4), a contiguous block of the selected images in the dataset's order; "
                + "the file gets an 'index' column after 'split', and <out>.manifest.json records the model, dataset, shard and rows. "
                + "A finished shard is not featurized again. 'mlnetgan gather' joins the shards.",
        });
        var force = new Option<bool>("--force") { Description = "With --shard: replace an existing shard whose manifest records another model, dataset, split or shard (refused otherwise)." };
        var command = new Command("featurize", "Write the discriminator's features of every image, or of one shard of the images, to a CSV or Parquet file.")
        {
            model, data, format, skipCorrupt, split, batchSize, device, fallback, output, shard, force,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var request = new FeaturizeRequest
            {
                Model = parse.GetRequiredValue(model),
                Data = parse.GetValue(data)!,
                Format = parse.GetValue(format),
                SkipCorruptImages = parse.GetValue(skipCorrupt),
                Split = Enum.Parse<FeatureSplit>(parse.GetValue(split)!, ignoreCase: true),
                BatchSize = parse.GetValue(batchSize),
                Device = OnnxDevice.Parse(parse.GetValue(device)!, parse.GetValue(fallback)),
                Output = parse.GetRequiredValue(output),
                Shard = parse.GetValue(shard),
                Force = parse.GetValue(force),
                Warning = SharedOptions.Warn,
            };
            FeaturizeOutcome outcome;
            try { outcome = await Task.Run(() => FeaturizeWorkflow.Run(ConsoleProgress.Workflow, request, cancellation), CancellationToken.None); }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                Console.Error.WriteLine($"Interrupted; {request.Output} was not written.");
                return CliApp.InterruptedExitCode;
            }
            if (outcome.AlreadyDone)
                Console.WriteLine($"Shard {outcome.Manifest!.ShardName} is already done: {outcome.Output} holds {Rows(outcome.Manifest)} for this model and dataset; nothing to do");
            else if (outcome.Manifest is { } manifest)
                Console.WriteLine($"Wrote shard {manifest.ShardName}: {Rows(manifest)} ({outcome.Rows:N0} rows of {outcome.FeatureLength:N0} features) to {outcome.Output}, manifest {ShardManifest.PathOf(outcome.Output)}");
            else
                Console.WriteLine($"Wrote {outcome.Rows:N0} rows of {outcome.FeatureLength:N0} features to {outcome.Output}");
            return 0;
        });
        return command;
    }

    private static string Rows(ShardManifest m) =>
        m.RowCount == 0 ? $"no rows of {m.TotalRows:N0}" : $"rows {m.FirstRow:N0} to {m.FirstRow + m.RowCount - 1:N0} of {m.TotalRows:N0}";

    /// <summary>Makes <paramref name="option"/> parse <c>K/N</c>; anything else is one error naming the option.</summary>
    private static Option<FeatureShard?> Shard(Option<FeatureShard?> option)
    {
        option.CustomParser = result =>
        {
            var text = result.Tokens.Count == 0 ? "" : result.Tokens[^1].Value;
            if (FeatureShard.TryParse(text, out var shard, out var problem)) return shard;
            result.AddError($"{option.Name}: {problem}");
            return null;
        };
        return option;
    }
}
