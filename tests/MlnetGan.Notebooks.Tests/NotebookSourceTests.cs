namespace MlnetGan.Notebooks.Tests;

public class NotebookSourceTests
{
    [Fact]
    public void CommittedNotebooksAreGeneratedFromTheirSources()
    {
        var sources = Directory.GetFiles(Repository.Notebooks, "*.cs").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(4, sources.Count);
        var versions = RepositoryVersions.Read(Repository.Root);
        foreach (var source in sources)
        {
            var generated = NotebookGenerator.Generate(NotebookSource.Parse(source), versions);
            var committed = Notebook.Load(NotebookGenerator.NotebookPathOf(source));
            Assert.True(NotebookGenerator.IsUpToDate(generated, NotebookGenerator.NotebookPathOf(source)), $"{source}: the .ipynb differs from its source; run mlnetgan-notebooks generate");
            Assert.Equal(CellKind.Parameters, committed.Cells.First(c => c.IsCode && !c.Source.StartsWith("#r", StringComparison.Ordinal) && !c.Source.StartsWith("using", StringComparison.Ordinal)).Kind);
        }
    }

    [Fact]
    public void CommittedNotebooksCarryTheOutputsOfACompleteRun()
    {
        foreach (var path in Directory.GetFiles(Repository.Notebooks, "*.ipynb"))
        {
            var notebook = Notebook.Load(path);
            var code = notebook.Cells.Where(c => c.IsCode).ToList();
            Assert.True(code.Count(c => c.Outputs.Count > 0) >= 3, $"{path}: committed without the outputs of a run");
            Assert.DoesNotContain(code.SelectMany(c => c.Outputs), o => (string?)o["output_type"] == "error");
            Assert.True(code[^1].Outputs.Count > 0, $"{path}: the last cell has no output; was the run complete?");
            var outputs = string.Join("\n", code.SelectMany(c => c.Outputs).Select(o => o.ToJsonString()));
            var machinePath = System.Text.RegularExpressions.Regex.Match(outputs, @"(/root/|/home/|/tmp/|/work/|/Users/|[A-Z]:\\\\Users)[^""\s]*");
            Assert.False(machinePath.Success, $"{path}: an output names a path of the machine it ran on: {machinePath.Value}");
        }
    }

    [Fact]
    public void ReferencesFollowTheDirectives()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "n.cs");
        File.WriteAllText(path, "#:project ../src/MlnetGan.ML/MlnetGan.ML.csproj\n#:package Microsoft.ML.OnnxRuntime\n#:property PublishAot=false\n\n// %% [markdown]\n// # Title\n//\n// text\n// %% [parameters]\nvar a = 1;\n// %%\ndisplay(a);\n// %% [file-based app only]\nstatic void display(object o) { }\n");
        var notebook = NotebookGenerator.Generate(NotebookSource.Parse(path), new RepositoryVersions("1.2.3-*", new Dictionary<string, string> { ["TorchSharp"] = "0.107.0", ["Microsoft.ML.OnnxRuntime"] = "1.31.1" }));
        Assert.Equal("#r \"nuget: MlnetGan.ML, 1.2.3-*\"\n#r \"nuget: Microsoft.ML.OnnxRuntime, 1.31.1\"", notebook.Cells[0].Source);
        Assert.Equal([(CellKind.Markdown, "# Title\n\ntext"), (CellKind.Parameters, "var a = 1;"), (CellKind.Code, "display(a);")], notebook.Cells.Skip(1).Select(c => (c.Kind, c.Source)));
        var json = notebook.ToJson();
        Assert.Contains("\"name\": \".net-csharp\"", json);
        Assert.Contains("\"language\": \"csharp\"", json);
        Assert.Contains("\"parameters\"", json);
    }

    [Fact]
    public void BrokenNotebookFilesAreNamed()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "broken.ipynb");
        File.WriteAllText(path, "{ \"cells\": [ { \"cell_type\": ");
        Assert.StartsWith($"{path}: not a readable notebook (", Assert.Throws<NotebookException>(() => Notebook.Load(path)).Message);
        File.WriteAllText(path, "{ \"nbformat\": 4 }");
        Assert.Equal($"{path}: not a notebook (no 'cells' array)", Assert.Throws<NotebookException>(() => Notebook.Load(path)).Message);
        File.WriteAllText(path, "{ \"cells\": [ 1, null ] }");
        Assert.Equal($"{path}: cell 1 is not a JSON object", Assert.Throws<NotebookException>(() => Notebook.Load(path)).Message);
        Assert.Equal($"{Path.Combine(dir.Path, "none.cs")}: notebook source not found", Assert.Throws<NotebookException>(() => NotebookSource.Parse(Path.Combine(dir.Path, "none.cs"))).Message);
    }

    [Fact]
    public void SourceErrorsNameTheFileAndLine()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "bad.cs");
        File.WriteAllText(path, "// %% [parameters]\nvar a = 1;\n// %% [markdown]\nnot a comment\n");
        Assert.Equal($"{path}:4: a markdown cell holds only // comment lines", Assert.Throws<NotebookException>(() => NotebookSource.Parse(path)).Message);
        File.WriteAllText(path, "// %%\nvar a = 1;\n");
        Assert.Equal($"{path}: needs exactly one // %% [parameters] cell", Assert.Throws<NotebookException>(() => NotebookSource.Parse(path)).Message);
    }
}
