using System.Xml.Linq;

namespace MlnetGan.Notebooks;

/// <summary>
/// Turns a file-based-app source into its Polyglot notebook: the <c>#:project</c> directives become
/// <c>#r "nuget: &lt;project&gt;, &lt;version&gt;"</c> package references (restored from NuGet's sources, the local
/// <c>artifacts/packages</c> feed among them until the packages are published), <c>#:package</c> directives become
/// references at the repository's pinned version, the native runtimes switch
/// (<c>#:property MlnetGanNativeRuntimes=true</c>) becomes references to TorchSharp-cpu and ONNX Runtime, and every cell
/// is copied as it is.
/// </summary>
public static class NotebookGenerator
{
    /// <summary>The notebook of <paramref name="source"/>; versions come from the repository's props files.</summary>
    public static Notebook Generate(NotebookSource source, RepositoryVersions versions)
    {
        var references = new List<string>();
        foreach (var directive in source.Directives)
        {
            var (name, value) = Split(directive);
            switch (name)
            {
                case "project":
                    references.Add($"#r \"nuget: {Path.GetFileNameWithoutExtension(value.Replace('\\', '/'))}, {versions.Library}\"");
                    break;
                case "package":
                    references.Add($"#r \"nuget: {value}, {versions.Pin(value)}\"");
                    break;
                case "property" when value == "MlnetGanNativeRuntimes=true":
                    references.Add($"#r \"nuget: TorchSharp-cpu, {versions.TorchSharp}\"");
                    references.Add($"#r \"nuget: Microsoft.ML.OnnxRuntime, {versions.OnnxRuntime}\"");
                    break;
                case "property":
                    break;
                default:
                    throw new NotebookException($"{source.Path}: directive '{directive}' has no notebook equivalent (use #:project, #:package and #:property)");
            }
        }
        var notebook = new Notebook();
        notebook.Cells.Add(new NotebookCell { Kind = CellKind.Code, Source = string.Join("\n", references) });
        notebook.Cells.AddRange(source.Cells.Select(c => new NotebookCell { Kind = c.Kind, Source = c.Text }));
        return notebook;
    }

    /// <summary>
    /// Whether the committed notebook at <paramref name="committedPath"/> holds exactly the cells generated from its
    /// source (kinds and sources; outputs and the metadata a kernel or papermill adds are not compared).
    /// </summary>
    public static bool IsUpToDate(Notebook generated, string committedPath)
    {
        if (!File.Exists(committedPath)) return false;
        var committed = Notebook.Load(committedPath);
        return committed.Cells.Select(c => (c.Kind, c.Source)).SequenceEqual(generated.Cells.Select(c => (c.Kind, c.Source)));
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

/// <summary>
/// The versions a generated notebook references: <paramref name="Library"/> for the MlnetGan packages (a NuGet version
/// range such as <c>0.1.0-*</c>, the newest build of 0.1.0, from Directory.Build.props) and the central pins of
/// Directory.Packages.props.
/// </summary>
public sealed record RepositoryVersions(string Library, IReadOnlyDictionary<string, string> Pins)
{
    /// <summary>TorchSharp's pinned version.</summary>
    public string TorchSharp => Pin("TorchSharp");

    /// <summary>ONNX Runtime's pinned version.</summary>
    public string OnnxRuntime => Pin("Microsoft.ML.OnnxRuntime");

    /// <summary>The pinned version of package <paramref name="id"/>.</summary>
    public string Pin(string id) => Pins.TryGetValue(id, out var v) ? v : throw new NotebookException($"Directory.Packages.props: no version for {id}");

    /// <summary>Reads the versions from the repository at <paramref name="root"/>.</summary>
    public static RepositoryVersions Read(string root)
    {
        var build = Path.Combine(root, "Directory.Build.props");
        var packages = Path.Combine(root, "Directory.Packages.props");
        if (!File.Exists(build) || !File.Exists(packages)) throw new NotebookException($"{root}: not the repository root (no Directory.Build.props and Directory.Packages.props)");
        var library = XDocument.Load(build).Descendants("MlnetGanNotebookVersionRange").FirstOrDefault()?.Value ?? throw new NotebookException($"{build}: no <MlnetGanNotebookVersionRange>");
        var pins = XDocument.Load(packages).Descendants("PackageVersion").ToDictionary(e => (string)e.Attribute("Include")!, e => (string)e.Attribute("Version")!);
        return new RepositoryVersions(library, pins);
    }

    /// <summary>The repository root: the nearest folder above <paramref name="start"/> holding MlnetGan.sln.</summary>
    public static string FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MlnetGan.sln"))) return dir.FullName;
        throw new NotebookException($"{start}: not inside the MlnetGan repository (no MlnetGan.sln above it)");
    }
}
