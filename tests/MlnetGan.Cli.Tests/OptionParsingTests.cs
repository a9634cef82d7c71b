using System.CommandLine;
using System.CommandLine.Completions;

namespace MlnetGan.Cli.Tests;

/// <summary>
/// Every option of every command (enumerated from the real command tree, so new options are covered) with text that is
/// not a valid value: the parser answers with one <c>error:</c> line naming the option, never an exception.
/// </summary>
public class OptionParsingTests
{
    private static readonly string[] BadValues = ["abc", "", "0", "-1", "99999999999", "1e400", "NaN"];

    /// <summary>Every (command path, option) pair of the command tree, except the built-in help and version options.</summary>
    public static TheoryData<string, string> AllOptions()
    {
        var data = new TheoryData<string, string>();
        foreach (var (path, command) in Commands(CliApp.BuildRootCommand(), []))
            foreach (var option in command.Options.Where(IsOwnOption))
                data.Add(string.Join(' ', path), option.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(AllOptions))]
    public void BadValuesGiveOneErrorLineNamingTheOptionOrAreAccepted(string commandPath, string optionName)
    {
        var (command, option) = Find(commandPath, optionName);
        foreach (var value in BadValues)
        {
            var args = Arguments(commandPath, command, option, value);
            var lines = CliApp.ParseErrorLines(CliApp.BuildRootCommand().Parse(args));
            string context = $"mlnetgan {string.Join(' ', args.Select(a => a.Length == 0 ? "''" : a))} -> [{string.Join(" | ", lines)}]";
            Assert.True(lines.Count <= 1, context);
            Assert.All(lines, line => Assert.StartsWith("error: ", line));
            // A flag takes no value: the text after it is an unrecognised argument, and the line names that instead.
            Assert.All(lines, line => Assert.Contains(option.ValueType == typeof(bool) ? $"'{value}'" : option.Name, line));
            Assert.All(lines, line => Assert.DoesNotContain("System.", line));
            if (MustReject(option, value)) Assert.True(lines.Count == 1, $"should be refused: {context}");
        }
    }

    [Theory]
    [InlineData("train", "--epochs", "abc", "error: --epochs: 'abc' is not a whole number")]
    [InlineData("train", "--epochs", "", "error: --epochs: '' is not a whole number")]
    [InlineData("train", "--epochs", "99999999999", "error: --epochs: 99999999999 is out of range (1 to 2147483647)")]
    [InlineData("train", "--lr-decay-epochs", "-99999999999", "error: --lr-decay-epochs: -99999999999 is out of range (-2147483648 to 2147483647)")]
    [InlineData("train", "--seed", "99999999999999999999", "error: --seed: 99999999999999999999 is out of range (-9223372036854775808 to 9223372036854775807)")]
    [InlineData("train", "--epochs", "0", "error: --epochs must be positive, not 0")]
    [InlineData("train", "--batch-size", "-3", "error: --batch-size must be positive, not -3")]
    [InlineData("train", "--lr", "x", "error: --lr: 'x' is not a number")]
    [InlineData("train", "--lr", "NaN", "error: --lr: 'NaN' is not a finite number")]
    [InlineData("train", "--seed", "1.5", "error: --seed: '1.5' is not a whole number")]
    [InlineData("train", "--format", "CifarBinary", "error: --format: 'CifarBinary' is not one of auto, cifar-binary, image-folder, idx, builtin, packed")]
    [InlineData("train", "--format", "1", "error: --format: '1' is not one of auto, cifar-binary, image-folder, idx, builtin, packed")]
    [InlineData("evaluate", "--repeats", "x", "error: --repeats: 'x' is not a whole number")]
    [InlineData("evaluate", "--classifier", "svm", "error: --classifier: 'svm' is not one of linear-svm, sdca-maxent, lbfgs-maxent")]
    [InlineData("train", "--out", "", "error: --out: the value is empty")]
    [InlineData("demo", "--epochs", "x", "error: --epochs: 'x' is not a whole number")]
    public void MessagesSayWhatIsWrong(string commandName, string optionName, string value, string expected)
    {
        var (command, option) = Find(commandName, optionName);
        var lines = CliApp.ParseErrorLines(CliApp.BuildRootCommand().Parse(Arguments(commandName, command, option, value)));
        Assert.Equal([expected], lines);
    }

    [Fact]
    public void SeveralErrorsGiveOneLineEach()
    {
        var lines = CliApp.ParseErrorLines(CliApp.BuildRootCommand().Parse(["train", "--epochs", "x", "--batch-size", "0"]));
        Assert.Equal(3, lines.Count); // --epochs, --batch-size, and the missing --out
        Assert.Contains(lines, l => l.Contains("--epochs"));
        Assert.Contains(lines, l => l.Contains("--batch-size"));
        Assert.Contains(lines, l => l.Contains("--out"));
        Assert.All(lines, l => Assert.StartsWith("error: ", l));
    }

    [Theory]
    [InlineData("train", "--seed", "-5")]
    [InlineData("train", "--lr-decay-epochs", "0")]
    [InlineData("train", "--checkpoint-every", "0")]
    [InlineData("train", "--d-input-noise", "0")]
    [InlineData("train", "--lr", "1e-3")]
    [InlineData("train", "--epochs", "+7")]
    public void ValidValuesParse(string commandName, string optionName, string value)
    {
        var (command, option) = Find(commandName, optionName);
        Assert.Empty(CliApp.ParseErrorLines(CliApp.BuildRootCommand().Parse(Arguments(commandName, command, option, value))));
    }

    [Fact]
    public void HelpIsNotAParseError()
    {
        Assert.Empty(CliApp.ParseErrorLines(CliApp.BuildRootCommand().Parse(["train", "--help"])));
        Assert.Empty(CliApp.ParseErrorLines(CliApp.BuildRootCommand().Parse(["train", "--epochs", "x", "--help"])));
    }

    /// <summary>The real executable: exit code 1 and one line on stderr, nothing on stdout, for the issue's examples.</summary>
    [Theory]
    [InlineData("train", "--out", "x", "--epochs", "abc")]
    [InlineData("train", "--out", "x", "--batch-size", "x")]
    [InlineData("train", "--out", "x", "--epochs", "99999999999")]
    [InlineData("evaluate", "--model", "m.onnx", "--out", "x", "--repeats", "x")]
    [InlineData("demo", "--epochs", "x")]
    public void TheExecutablePrintsOneErrorLine(params string[] args)
    {
        var result = CliRunner.Run(args);
        Assert.True(result.ExitCode == 1, result.All);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Equal("", result.Output);
    }

    /// <summary>Values the option must refuse: text that is not a value of its type or not among its listed choices.</summary>
    private static bool MustReject(Option option, string value)
    {
        var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
        if (type == typeof(int) || type == typeof(long))
            return !long.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n)
                || n is > int.MaxValue or < int.MinValue && type == typeof(int);
        if (type == typeof(double)) return value is "abc" or "" or "1e400" or "NaN";
        if (type.IsEnum) return true; // none of the bad values is a name
        if (type == typeof(string)) return value == "" || Choices(option).Count > 0;
        return false;
    }

    private static List<string> Choices(Option option) => option.GetCompletions(CompletionContext.Empty).Select(c => c.Label).ToList();

    private static bool IsOwnOption(Option option) => option is not (System.CommandLine.Help.HelpOption or VersionOption);

    private static IEnumerable<(string[] Path, Command Command)> Commands(Command command, string[] path)
    {
        foreach (var sub in command.Subcommands)
        {
            string[] subPath = [.. path, sub.Name];
            if (sub.Action is not null) yield return (subPath, sub);
            foreach (var nested in Commands(sub, subPath)) yield return nested;
        }
    }

    private static (Command Command, Option Option) Find(string commandPath, string optionName)
    {
        Command command = CliApp.BuildRootCommand();
        foreach (var name in commandPath.Split(' ')) command = command.Subcommands.Single(c => c.Name == name);
        return (command, command.Options.Single(o => o.Name == optionName));
    }

    /// <summary>The command path, every other required option with a placeholder, then the option under test.</summary>
    private static string[] Arguments(string commandPath, Command command, Option option, string value)
    {
        var args = commandPath.Split(' ').ToList();
        foreach (var required in command.Options.Where(o => o.Required && o.Name != option.Name)) args.AddRange([required.Name, "x"]);
        args.AddRange([option.Name, value]);
        return [.. args];
    }
}
