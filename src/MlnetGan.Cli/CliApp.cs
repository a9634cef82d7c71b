using System.CommandLine;
using System.CommandLine.Invocation;
using MlnetGan.Cli.Commands;
using MlnetGan.Data;
using MlnetGan.Gan;

namespace MlnetGan.Cli;

/// <summary>The <c>mlnetgan</c> command line: subcommands, and one error line with a non-zero exit code on failure.</summary>
public static class CliApp
{
    /// <summary>Exit code of a run that failed on bad input or a failed operation.</summary>
    public const int ErrorExitCode = 1;

    /// <summary>Exit code of a run that was interrupted (Ctrl+C) after saving its state.</summary>
    public const int InterruptedExitCode = 130;

    /// <summary>Builds the root command with every subcommand.</summary>
    public static RootCommand BuildRootCommand()
    {
        var root = new RootCommand("MlnetGan: train a DCGAN with TorchSharp and use its discriminator as an image featurizer in ML.NET.");
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(PaperCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(FeaturizeCommand.Create());
        root.Subcommands.Add(FitCommand.Create());
        root.Subcommands.Add(PredictCommand.Create());
        root.Subcommands.Add(SampleCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        OptionParsers.ApplyDefaults(root);
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var parse = BuildRootCommand().Parse(args);
        var errors = ParseErrorLines(parse);
        if (errors.Count > 0)
        {
            foreach (var line in errors) Console.Error.WriteLine(line);
            return ErrorExitCode;
        }
        try
        {
            // Ctrl+C cancels the action's token; give it time to write its checkpoint before the process is ended.
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = TimeSpan.FromMinutes(2) });
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ErrorExitCode;
        }
    }

    /// <summary>
    /// The parse errors of <paramref name="parse"/> as <c>error: ...</c> lines, one per error (each names its option), or
    /// none when the command line parsed or asks for help. A command that needs a subcommand keeps the parser's own
    /// answer (the error and the help listing the subcommands).
    /// </summary>
    public static IReadOnlyList<string> ParseErrorLines(ParseResult parse)
    {
        if (parse.Errors.Count == 0 || parse.Action is not ParseErrorAction || parse.CommandResult.Command.Action is null) return [];
        return parse.Errors.Select(e => $"error: {e.Message}").Distinct().ToList();
    }

    /// <summary>Errors caused by input, files or training that get one clear line instead of a stack trace.</summary>
    public static bool IsUserFacing(Exception e) =>
        e is DatasetException or RunException or MlnetGan.ML.DcganModelException or MlnetGan.ML.OnnxDeviceException or TrainingDivergedException or ArgumentException or IOException or UnauthorizedAccessException;
}
