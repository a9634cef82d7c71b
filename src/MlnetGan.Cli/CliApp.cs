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
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(FeaturizeCommand.Create());
        root.Subcommands.Add(GatherCommand.Create());
        root.Subcommands.Add(PackCommand.Create());
        root.Subcommands.Add(FitCommand.Create());
        root.Subcommands.Add(PredictCommand.Create());
        root.Subcommands.Add(SampleCommand.Create());
        OptionParsers.ApplyDefaults(root);
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code.</summary>
    public static Task<int> RunAsync(string[] args) => RunAsync(BuildRootCommand(), args);

    /// <summary>
    /// Parses <paramref name="args"/> with <paramref name="root"/> (the <c>mlnetgan</c> command tree, or another tool built
    /// from the same options, with <see cref="OptionParsers.ApplyDefaults"/> applied) and runs the command; returns the
    /// process exit code.
    /// </summary>
    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
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
            Console.Error.WriteLine($"error: {SettingOptions.Message(e, parse.CommandResult.Command)}");
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

    /// <summary>
    /// Errors caused by input, files or training that get one clear line instead of a stack trace. Validation throws
    /// <see cref="ArgumentException"/> itself (or an <see cref="ISettingError"/>); its subclasses
    /// <see cref="ArgumentNullException"/> and <see cref="ArgumentOutOfRangeException"/> come from a call that a bug made,
    /// and keep their stack trace.
    /// </summary>
    public static bool IsUserFacing(Exception e) => e switch
    {
        DatasetException or RunException or MlnetGan.ML.DcganModelException or MlnetGan.ML.OnnxDeviceException or TrainingDivergedException or ISettingError => true,
        IOException or UnauthorizedAccessException => true,
        ArgumentException => e.GetType() == typeof(ArgumentException),
        _ => false,
    };
}
