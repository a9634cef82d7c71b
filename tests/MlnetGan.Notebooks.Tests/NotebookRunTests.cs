using System.Text.Json.Nodes;

namespace MlnetGan.Notebooks.Tests;

/// <summary>
/// Executes the shipped notebooks through the runner on tiny data, as CI's proof that they run. One class, so the runs
/// (which redirect the process's console) never overlap.
/// </summary>
public class NotebookRunTests
{
    [Fact]
    public void EveryNotebookRunsInOrderOnTinyData()
    {
        using var dir = new TempDirectory();
        string S(string value) => $"\"{value.Replace("\\", "\\\\")}\"";
        var model = Path.Combine(dir.Path, "dcgan", "discriminator.onnx");

        var first = Run("01-train-and-export", new() { ["trainImages"] = "256", ["epochs"] = "1", ["width"] = "8", ["device"] = S("cpu"), ["runFolder"] = S(Path.Combine(dir.Path, "dcgan")) });
        Assert.True(File.Exists(model));
        Assert.Contains(model, Text(first));
        Assert.True(Images(first) >= 4, $"notebook 1 displayed {Images(first)} images");

        var second = Run("02-pipeline-and-predict", new() { ["modelPath"] = S(model), ["imageFolder"] = S(Path.Combine(dir.Path, "images")), ["trainImages"] = "100", ["testImages"] = "50", ["device"] = S("cpu") });
        Assert.Contains("reloaded predictions match", Text(second));
        Assert.Contains("Confusion table", Text(second));

        var third = Run("03-paper-evaluation", new() { ["modelPath"] = S(model), ["labelsPerClass"] = S("5"), ["repeats"] = "1", ["device"] = S("cpu"), ["reportFolder"] = S(Path.Combine(dir.Path, "evaluation")) });
        Assert.Contains("| trained D | 896 |", Text(third));
        Assert.Equal(1, Images(third));

        var fourth = Run("04-semi-supervised", new()
        {
            ["trainImages"] = "300", ["labelsPerClass"] = "3", ["epochs"] = "1", ["width"] = "8", ["device"] = S("cpu"),
            ["runFolder"] = S(Path.Combine(dir.Path, "ss")), ["dcganModelPath"] = S(model),
        });
        Assert.Contains("DCGAN features + linear SVM", Text(fourth));
        Assert.Contains("reloaded predictions match on all 1000 test images", Text(fourth));
    }

    [Fact]
    public void ABrokenCellFailsWithItsNumberAndTheError()
    {
        var notebook = Cells(("markdown", "# title"), ("code", "var x = 1;"), ("code", "throw new InvalidOperationException(\"boom\");"));
        var error = Assert.Throws<NotebookException>(() => NotebookRunner.Run(notebook, new NotebookRunOptions()));
        Assert.Equal("cell 3 failed: InvalidOperationException: boom", error.Message);

        var uncompilable = Cells(("code", "var x = 1;"), ("markdown", "text"), ("code", "var y = x + undefinedName;"));
        error = Assert.Throws<NotebookException>(() => NotebookRunner.Run(uncompilable, new NotebookRunOptions()));
        Assert.StartsWith("cell 3 does not compile:", error.Message);
        Assert.Contains("CS0103", error.Message);
        Assert.Contains("undefinedName", error.Message);
    }

    [Fact]
    public void StateOutputsAndDisplayCarryFromCellToCell()
    {
        var notebook = Cells(("code", "var greeting = \"hello\";"), ("code", "Console.WriteLine(greeting + \" world\");\ndisplay(new[] { 1, 2 });\ndisplay(HTML(\"<b>bold</b>\"));"), ("code", "greeting.Length"));
        var executed = NotebookRunner.Run(notebook, new NotebookRunOptions());
        var outputs = executed.Cells[1].Outputs;
        Assert.Equal(["stream", "display_data", "display_data"], outputs.Select(o => (string)o["output_type"]!));
        Assert.Equal("hello world\n", string.Concat(((JsonArray)outputs[0]["text"]!).Select(t => (string?)t)));
        Assert.Equal("1\n2", string.Concat(((JsonArray)outputs[1]["data"]!["text/plain"]!).Select(t => (string?)t)));
        Assert.NotNull(outputs[2]["data"]!["text/html"]);
        Assert.Equal("5", string.Concat(((JsonArray)executed.Cells[2].Outputs[0]["data"]!["text/plain"]!).Select(t => (string?)t)));
        Assert.Equal([1, 2, 3], executed.Cells.Select(c => c.ExecutionCount ?? 0));
    }

    [Fact]
    public void ParametersAreOverriddenAndAnUnknownOneIsNamed()
    {
        var notebook = Cells(("parameters", "var epochs = 5;\nvar name = \"a\"; // comment"), ("code", "display($\"{epochs} {name}\");"));
        var executed = NotebookRunner.Run(notebook, new NotebookRunOptions { Parameters = new Dictionary<string, string> { ["epochs"] = "1", ["name"] = "\"b\"" } });
        Assert.Equal("1 b", string.Concat(((JsonArray)executed.Cells[1].Outputs[0]["data"]!["text/plain"]!).Select(t => (string?)t)));
        Assert.Equal("var epochs = 1;\nvar name = \"b\"; // comment", executed.Cells[0].Source);
        using var dir = new TempDirectory();
        executed.Save(Path.Combine(dir.Path, "run.ipynb"));
        Assert.Equal(new Dictionary<string, string> { ["epochs"] = "1", ["name"] = "\"b\"" }, Notebook.Load(Path.Combine(dir.Path, "run.ipynb")).ParameterOverrides);

        var error = Assert.Throws<NotebookException>(() => NotebookRunner.Run(notebook, new NotebookRunOptions { Parameters = new Dictionary<string, string> { ["epoch"] = "1" } }));
        Assert.Equal("parameter 'epoch' is not assigned in the parameters cell (it assigns: epochs, name)", error.Message);
    }

    [Fact]
    public void PackageReferencesAreCheckedAgainstTheRunnerAndThePackageFolder()
    {
        using var dir = new TempDirectory();
        var wrongVersion = Cells(("code", "#r \"nuget: MlnetGan.ML, 9.9.9\""));
        Assert.Contains("this runner carries MlnetGan", Assert.Throws<NotebookException>(() => NotebookRunner.Run(wrongVersion, new NotebookRunOptions())).Message);

        var notPacked = Cells(("code", $"#i \"nuget: {dir.Path}\"\n#r \"nuget: MlnetGan.ML, {MlnetGan.Gan.VersionInfo.Version}\""));
        Assert.Contains("is not in the package folder", Assert.Throws<NotebookException>(() => NotebookRunner.Run(notPacked, new NotebookRunOptions())).Message);

        var unknown = Cells(("code", "#r \"nuget: Newtonsoft.Json, 13.0.3\""));
        Assert.StartsWith("cell 1: package Newtonsoft.Json is not available to the runner", Assert.Throws<NotebookException>(() => NotebookRunner.Run(unknown, new NotebookRunOptions())).Message);
    }

    private static Notebook Run(string name, Dictionary<string, string> parameters) =>
        NotebookRunner.Run(Notebook.Load(Path.Combine(Repository.Notebooks, name + ".ipynb")), new NotebookRunOptions { Parameters = parameters, NotebookDirectory = Repository.Notebooks });

    private static string Text(Notebook notebook) => string.Join("\n", notebook.Cells.SelectMany(c => c.Outputs).Select(o =>
        string.Concat(((o["text"] ?? o["data"]?["text/plain"]) as JsonArray ?? []).Select(t => (string?)t))));

    private static int Images(Notebook notebook) => notebook.Cells.SelectMany(c => c.Outputs).Count(o => o["data"]?["image/png"] is not null);

    internal static Notebook Cells(params (string Kind, string Source)[] cells)
    {
        var notebook = new Notebook();
        notebook.Cells.AddRange(cells.Select(c => new NotebookCell
        {
            Kind = c.Kind switch { "markdown" => CellKind.Markdown, "parameters" => CellKind.Parameters, _ => CellKind.Code },
            Source = c.Source,
        }));
        return notebook;
    }
}
