using System.Xml.Linq;

namespace MlnetGan.Notebooks;

/// <summary>
/// Turns a file-based-app source into its Polyglot notebook: the <c>#:project</c> directives become
/// <c>#r "nuget: &lt;project&gt;, &lt;version&gt;"</c> references against the local package folder (<c>#i</c>), the native
/// runtimes switch (<c>#:property MlnetGanNativeRuntimes=true</c>) becomes references to TorchSharp-cpu and ONNX Runtime,
/// and every cell is copied as it is.
/// </summary>
public static class NotebookGenerator
{
    /// <summary>Where <c>dotnet pack</c> puts the packages, relative to the notebooks folder.</summary>
    public const string PackageFolder = "../artifacts/packages";

    /// <summary>The notebook of <paramref name="source"/>; versions come from the repository's props files.</summary>
    public static Notebook Generate(NotebookSource source, RepositoryVersions versions)
    {
        var references = new List<string> { $"#i \"nuget: {PackageFolder}\"" };
        foreach (var directive in source.Directives)
        {
            var (name, value) = Split(directive);
            switch (name)
            {
                case "project":
                    references.Add($"#r \"nuget: {Path.GetFileNameWithoutExtension(value.Replace('\\', '/'))}, {versions.Library}\"");
                    break;
                case "property" when value == "MlnetGanNativeRuntimes=true":
                    references.Add($"#r \"nuget: TorchSharp-cpu, {versions.TorchSharp}\"");
                    references.Add($"#r \"nuget: Microsoft.ML.OnnxRuntime, {versions.OnnxRuntime}\"");
                    break;
                case "property":
                    break;
                default:
                    throw new NotebookException($"{source.Path}: directive '{directive}' has no notebook equivalent (use #:project and #:property)");
            }
        }
        var notebook = new Notebook();
        notebook.Cells.Add(new NotebookCell { Kind = CellKind.Code, Source = string.Join("\n", references) });
        notebook.Cells.AddRange(source.Cells.Select(c => new NotebookCell { Kind = c.Kind, Source = c.Text }));
        return notebook;
    }

    /// <summary>
    /// Whether the committed notebook at <paramref name="committedPath"/> holds exactly the cells generated from its
    /// source, with the parameter overrides recorded for its run applied (outputs are not compared).
    /// </summary>
    public static bool IsUpToDate(Notebook generated, string committedPath)
    {
        if (!File.Exists(committedPath)) return false;
        var committed = Notebook.Load(committedPath);
        var expected = generated.WithoutOutputs();
        NotebookRunner.ApplyParameters(expected, committed.ParameterOverrides);
        return committed.WithoutOutputs().ToJson() == expected.ToJson();
    }

    /// <summary>The notebook path of a source: the same name with .ipynb.</summary>
    public static string NotebookPathOf(string sourcePath) => Path.ChangeExtension(sourcePath, ".ipynb");

    private static (string Name, string Value) Split(string directive)
    {
        var body = directive[2..].Trim();
        int space = body.IndexOf(' ');
        return space < 0 ? (body, "") : (body[..space], body[(space + 1)..].Trim());
    }
}

/// <summary>The versions a generated notebook references, read from Directory.Build.props and Directory.Packages.props.</summary>
public sealed record RepositoryVersions(string Library, string TorchSharp, string OnnxRuntime)
{
    /// <summary>Reads the versions from the repository at <paramref name="root"/>.</summary>
    public static RepositoryVersions Read(string root)
    {
        var build = Path.Combine(root, "Directory.Build.props");
        var packages = Path.Combine(root, "Directory.Packages.props");
        if (!File.Exists(build) || !File.Exists(packages)) throw new NotebookException($"{root}: not the repository root (no Directory.Build.props and Directory.Packages.props)");
        var library = XDocument.Load(build).Descendants("Version").FirstOrDefault()?.Value ?? throw new NotebookException($"{build}: no <Version>");
        var pins = XDocument.Load(packages).Descendants("PackageVersion").ToDictionary(e => (string)e.Attribute("Include")!, e => (string)e.Attribute("Version")!);
        string Pin(string id) => pins.TryGetValue(id, out var v) ? v : throw new NotebookException($"{packages}: no version for {id}");
        return new RepositoryVersions(library, Pin("TorchSharp"), Pin("Microsoft.ML.OnnxRuntime"));
    }

    /// <summary>The repository root: the nearest folder above <paramref name="start"/> holding MlnetGan.sln.</summary>
    public static string FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MlnetGan.sln"))) return dir.FullName;
        throw new NotebookException($"{start}: not inside the MlnetGan repository (no MlnetGan.sln above it)");
    }
}
