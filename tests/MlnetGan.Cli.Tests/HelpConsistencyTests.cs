using System.CommandLine;
using System.CommandLine.Completions;
using System.Text.RegularExpressions;

namespace MlnetGan.Cli.Tests;

/// <summary>What the help lists is what the parser takes, in one spelling; device options come with their fall back.</summary>
public partial class HelpConsistencyTests
{
    private static IEnumerable<Command> Commands(Command command) => command.Subcommands.SelectMany(c => Commands(c).Prepend(c));

    [Fact]
    public void EveryListedValueIsKebabCaseAndParses()
    {
        int checkedOptions = 0;
        foreach (var command in Commands(CliApp.BuildRootCommand()).Where(c => c.Action is not null))
            foreach (var option in command.Options)
            {
                var values = option.GetCompletions(CompletionContext.Empty).Select(c => c.Label).ToList();
                if (values.Count == 0 || option.ValueType == typeof(bool)) continue;
                checkedOptions++;
                foreach (var value in values)
                {
                    Assert.Matches(KebabCase(), value);
                    var args = Path(command).Concat(command.Options.Where(o => o.Required && o != option).SelectMany(o => new[] { o.Name, "x" })).Concat([option.Name, value]).ToArray();
                    Assert.True(CliApp.ParseErrorLines(CliApp.BuildRootCommand().Parse(args)).Count == 0, string.Join(' ', args));
                }
            }
        Assert.True(checkedOptions >= 8, $"only {checkedOptions} options list their values");
    }

    [Theory]
    [InlineData("train", "--format <auto|builtin|cifar-binary|idx|image-folder|packed>")]
    [InlineData("train", "--bn-stats <recompute|running>")]
    [InlineData("export", "[default: running]")]
    [InlineData("evaluate", "linear-svm (multiclass SVM, hinge loss")]
    [InlineData("fit", "lbfgs-maxent (multinomial logistic regression trained with L-BFGS)")]
    [InlineData("predict", "--allow-cpu-fallback")]
    [InlineData("demo", "--force")]
    [InlineData("featurize", "--shard <K/N> K/N: featurize only shard K of N (numbered from 0: 0/4 .. 3/4)")]
    [InlineData("gather", "--in <in> (REQUIRED)")]
    public void HelpShows(string command, string text)
    {
        var result = CliRunner.Run(command, "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains(text, Regex.Replace(result.Output, @"\s+", " "));
    }

    [Fact]
    public void EveryCommandWithADeviceAllowsTheCpuFallBack()
    {
        var withDevice = Commands(CliApp.BuildRootCommand()).Where(c => c.Options.Any(o => o.Name == "--device")).Select(c => c.Name).ToList();
        Assert.Contains("predict", withDevice);
        Assert.Contains("demo", withDevice);
        Assert.All(Commands(CliApp.BuildRootCommand()).Where(c => c.Options.Any(o => o.Name == "--device")),
            c => Assert.Contains(c.Options, o => o.Name == "--allow-cpu-fallback"));
    }

    [Fact]
    public void FormatTakesTheSpellingItsHelpShows()
    {
        var parse = CliApp.BuildRootCommand().Parse(["train", "--out", "x", "--format", "cifar-binary", "--bn-stats", "recompute"]);
        Assert.Empty(CliApp.ParseErrorLines(parse));
        Assert.Equal(MlnetGan.Data.DatasetFormat.CifarBinary, parse.GetValue<MlnetGan.Data.DatasetFormat>("--format"));
        Assert.Equal(MlnetGan.Gan.BatchNormSource.Recompute, parse.GetValue<MlnetGan.Gan.BatchNormSource>("--bn-stats"));
        var defaults = CliApp.BuildRootCommand().Parse(["train", "--out", "x"]);
        Assert.Equal(MlnetGan.Data.DatasetFormat.Auto, defaults.GetValue<MlnetGan.Data.DatasetFormat>("--format"));
        Assert.Equal(MlnetGan.Gan.BatchNormSource.Running, defaults.GetValue<MlnetGan.Gan.BatchNormSource>("--bn-stats"));
    }

#if !MLNETGAN_CUDA
    /// <summary>The CPU build of ONNX Runtime has no CUDA: predict --device cuda is one error line, unless the fall back is allowed.</summary>
    [Fact]
    public void PredictOnUnavailableCudaFailsWithOneLineOrFallsBack()
    {
        using var dir = new TempDirectory();
        var folder = dir.Combine("images");
        MlnetGan.Data.ImageFolderReader.WriteClassFolders(MlnetGan.Data.BuiltinShapes.GenerateSplit(3, 0, 20, 32, 3), folder);
        var ml = new Microsoft.ML.MLContext(seed: 0);
        var zip = dir.Combine("model.zip");
        using (var probe = MlnetGan.ML.LinearProbe.Fit(ml, UntrainedModel.Write(dir), MlnetGan.Data.DatasetLoader.Load(folder, new MlnetGan.Data.DatasetLoadOptions()).Train, new MlnetGan.ML.LinearProbeOptions()))
            probe.Save(ml, zip);

        var refused = CliRunner.Run("predict", "--pipeline", zip, "--images", folder, "--out", dir.Combine("p.csv"), "--device", "cuda");
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith("error: ONNX Runtime cannot use CUDA device 0", refused.Error);
        Assert.Single(refused.Error.Trim().Split('\n'));
        Assert.False(File.Exists(dir.Combine("p.csv")));

        var fellBack = CliRunner.Run("predict", "--pipeline", zip, "--images", folder, "--out", dir.Combine("p.csv"), "--device", "cuda", "--allow-cpu-fallback");
        Assert.True(fellBack.ExitCode == 0, fellBack.All);
        Assert.Contains("falling back to the CPU", fellBack.Output);
        Assert.Equal(21, CsvFile.Read(dir.Combine("p.csv")).Count);
    }
#endif

    private static IEnumerable<string> Path(Command command)
    {
        var names = new List<string>();
        for (Symbol? s = command; s is Command c && c is not RootCommand; s = c.Parents.FirstOrDefault()) names.Insert(0, c.Name);
        return names;
    }

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex KebabCase();
}
