using System.CommandLine;
using MlnetGan.Workflows;

namespace MlnetGan.Cli.Commands;

/// <summary><c>mlnetgan gather</c>: checks a folder of finished featurize shards and joins them into one feature file (<see cref="FeaturizeWorkflow.Gather"/>).</summary>
internal static class GatherCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--in") { Description = "The folder holding the shards written by 'featurize --shard K/N' and their <file>.manifest.json.", Required = true };
        var output = new Option<string>("--out") { Description = "all.csv or all.parquet: the rows of every shard in order, as one unsharded 'featurize' writes them, written atomically.", Required = true };
        var command = new Command("gather", "Check that a folder holds every shard of one featurize run once (same model, dataset and N; no row missing or twice) and join them into one CSV or Parquet file.")
        {
            input, output,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var request = new GatherRequest { Input = parse.GetRequiredValue(input), Output = parse.GetRequiredValue(output) };
            GatherOutcome outcome;
            try { outcome = await Task.Run(() => FeaturizeWorkflow.Gather(ConsoleProgress.Workflow, request, cancellation), CancellationToken.None); }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                Console.Error.WriteLine($"Interrupted; {request.Output} was not written.");
                return CliApp.InterruptedExitCode;
            }
            Console.WriteLine($"Gathered {outcome.Shards} shards: {outcome.Rows:N0} rows of {outcome.FeatureLength:N0} features to {outcome.Output}");
            return 0;
        });
        return command;
    }
}
