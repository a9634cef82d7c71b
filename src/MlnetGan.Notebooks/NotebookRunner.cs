using System.Collections;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

namespace MlnetGan.Notebooks;

/// <summary>Options of <see cref="NotebookRunner.Run"/>.</summary>
public sealed record NotebookRunOptions
{
    /// <summary>Overrides of the parameters cell: name -> C# expression (for example <c>"epochs" -> "1"</c>).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Package folder that <c>#r "nuget: MlnetGan.*"</c> must be found in; null takes the notebook's <c>#i</c> folder when it exists.</summary>
    public string? PackageSource { get; init; }

    /// <summary>Folder relative paths in <c>#i</c> resolve against (the notebook's folder).</summary>
    public string NotebookDirectory { get; init; } = Environment.CurrentDirectory;

    /// <summary>Receives one line per cell as it runs.</summary>
    public TextWriter? Log { get; init; }
}

/// <summary>
/// Executes a notebook's C# cells in order, one Roslyn script state carried from cell to cell as the .NET Interactive C#
/// kernel does. Provides the kernel's <c>display(...)</c> and <c>HTML(...)</c>; resolves <c>#r "nuget: MlnetGan.*"</c> to the
/// libraries this runner is built with (checking the version, and the package file in the <c>#i</c> folder when there is
/// one) and the native runtime packages to its own. Any compilation or runtime error stops the run with the cell number.
/// </summary>
public static class NotebookRunner
{
    private static readonly string[] Imports = ["System", "System.IO", "System.Linq", "System.Collections.Generic", "System.Text", "System.Threading.Tasks"];
    private static readonly string[] LibraryPackages = ["MlnetGan.Data", "MlnetGan.Gan", "MlnetGan.Onnx", "MlnetGan.ML"];
    private static readonly string[] RuntimePackages = ["TorchSharp-cpu", "TorchSharp-cuda-linux", "Microsoft.ML.OnnxRuntime", "Microsoft.ML.OnnxRuntime.Gpu"];
    private static readonly Regex NugetDirective = new(@"^#(?<kind>[ri])\s+""nuget:\s*(?<body>[^""]+)""\s*$", RegexOptions.Compiled);

    /// <summary>Runs <paramref name="notebook"/> and returns a copy holding the outputs; throws <see cref="NotebookException"/> naming the failing cell.</summary>
    public static Notebook Run(Notebook notebook, NotebookRunOptions options)
    {
        var executed = notebook.WithoutOutputs();
        ApplyParameters(executed, options.Parameters);
        foreach (var (name, value) in options.Parameters) executed.ParameterOverrides[name] = value;
        var scriptOptions = ScriptOptions.Default.WithReferences(References()).WithImports(Imports).WithEmitDebugInformation(false);
        var globals = new NotebookGlobals();
        ScriptState<object>? state = null;
        string? packageSource = options.PackageSource;
        int count = 0;
        var originalOut = Console.Out;
        for (int index = 0; index < executed.Cells.Count; index++)
        {
            var cell = executed.Cells[index];
            if (!cell.IsCode) continue;
            int number = index + 1;
            var code = ResolveDirectives(cell.Source, number, options, ref packageSource);
            cell.ExecutionCount = ++count;
            options.Log?.WriteLine($"cell {number}: running");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var captured = new StringWriter();
            globals.Begin(cell, captured);
            Console.SetOut(captured);
            try
            {
                if (code.Trim().Length > 0)
                {
                    state = state is null
                        ? CSharpScript.RunAsync(code, scriptOptions, globals, typeof(NotebookGlobals)).GetAwaiter().GetResult()
                        : state.ContinueWithAsync(code, scriptOptions).GetAwaiter().GetResult();
                    if (state.ReturnValue is { } value) globals.display(value);
                }
            }
            catch (CompilationErrorException e)
            {
                throw Fail(cell, number, "does not compile", string.Join("\n", e.Diagnostics.Select(d => d.ToString())));
            }
            catch (Exception e)
            {
                throw Fail(cell, number, "failed", $"{e.GetType().Name}: {e.Message}");
            }
            finally
            {
                Console.SetOut(originalOut);
                globals.End();
            }
            options.Log?.WriteLine($"cell {number}: done in {clock.Elapsed.TotalSeconds:F1} s");
        }
        return executed;

        NotebookException Fail(NotebookCell cell, int number, string what, string detail)
        {
            cell.Outputs.Add(new JsonObject { ["output_type"] = "error", ["ename"] = what, ["evalue"] = detail, ["traceback"] = new JsonArray() });
            return new NotebookException($"cell {number} {what}: {detail}");
        }
    }

    /// <summary>Replaces the values of the parameters cell's assignments; an unknown name is an error listing the known ones.</summary>
    public static void ApplyParameters(Notebook notebook, IReadOnlyDictionary<string, string> parameters)
    {
        if (parameters.Count == 0) return;
        var cell = notebook.Cells.FirstOrDefault(c => c.Kind == CellKind.Parameters)
            ?? throw new NotebookException("the notebook has no parameters cell (a code cell tagged 'parameters')");
        foreach (var (name, value) in parameters)
        {
            var assignment = new Regex($@"^(?<head>\s*(?:var|[\w.<>\[\]?,]+)\s+{Regex.Escape(name)}\s*=\s*)(?<value>.*?)(?<tail>;\s*(//.*)?)$", RegexOptions.Multiline);
            if (!assignment.IsMatch(cell.Source))
            {
                var known = Regex.Matches(cell.Source, @"^\s*(?:var|[\w.<>\[\]?,]+)\s+(\w+)\s*=", RegexOptions.Multiline).Select(m => m.Groups[1].Value);
                throw new NotebookException($"parameter '{name}' is not assigned in the parameters cell (it assigns: {string.Join(", ", known)})");
            }
            cell.Source = assignment.Replace(cell.Source, m => m.Groups["head"].Value + value + m.Groups["tail"].Value, 1);
        }
    }

    /// <summary>Handles the cell's <c>#r</c>/<c>#i</c> nuget directives and returns the remaining code.</summary>
    private static string ResolveDirectives(string source, int cell, NotebookRunOptions options, ref string? packageSource)
    {
        var code = new StringBuilder();
        foreach (var line in source.Split('\n'))
        {
            var match = NugetDirective.Match(line.Trim());
            if (!match.Success)
            {
                if (line.TrimStart().StartsWith("#r ", StringComparison.Ordinal) || line.TrimStart().StartsWith("#i ", StringComparison.Ordinal))
                    throw new NotebookException($"cell {cell}: only #r \"nuget: <id>, <version>\" and #i \"nuget: <folder>\" are supported, not '{line.Trim()}'");
                code.Append(line).Append('\n');
                continue;
            }
            var body = match.Groups["body"].Value.Trim();
            if (match.Groups["kind"].Value == "i")
            {
                var folder = Path.GetFullPath(Path.Combine(options.NotebookDirectory, body));
                if (options.PackageSource is null && Directory.Exists(folder)) packageSource = folder;
                continue;
            }
            var parts = body.Split(',', StringSplitOptions.TrimEntries);
            if (parts.Length != 2) throw new NotebookException($"cell {cell}: #r \"nuget: {body}\" needs an id and a version");
            var (id, version) = (parts[0], parts[1]);
            if (LibraryPackages.Contains(id, StringComparer.OrdinalIgnoreCase))
            {
                var built = typeof(MlnetGan.Gan.VersionInfo).Assembly.GetName().Version!;
                if (version != MlnetGan.Gan.VersionInfo.Version)
                    throw new NotebookException($"cell {cell}: #r \"nuget: {id}, {version}\" but this runner carries MlnetGan {MlnetGan.Gan.VersionInfo.Version} ({built})");
                if (packageSource is not null && !File.Exists(Path.Combine(packageSource, $"{id}.{version}.nupkg")))
                    throw new NotebookException($"cell {cell}: {id} {version} is not in the package folder {packageSource}; run dotnet pack first (see notebooks/README.md)");
            }
            else if (!RuntimePackages.Contains(id, StringComparer.OrdinalIgnoreCase))
            {
                throw new NotebookException($"cell {cell}: package {id} is not available to the runner (it provides {string.Join(", ", LibraryPackages.Concat(RuntimePackages))})");
            }
        }
        return code.ToString();
    }

    /// <summary>
    /// Every assembly the runner's process may load (the trusted platform assemblies: the framework, the MlnetGan
    /// libraries and everything they depend on), as the kernel references a package's whole closure.
    /// </summary>
    private static IEnumerable<MetadataReference> References() =>
        ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Order(StringComparer.Ordinal)
            .Select(path => MetadataReference.CreateFromFile(path));
}

/// <summary>HTML content to display, as the .NET Interactive kernel's <c>HTML(...)</c> returns.</summary>
public sealed record HtmlContent(string Html)
{
    /// <inheritdoc />
    public override string ToString() => Html;
}

/// <summary>What a notebook's code sees as globals: the kernel's <c>display</c> and <c>HTML</c>.</summary>
public sealed class NotebookGlobals
{
    private static readonly Regex PngImage = new(@"^\s*<img\b[^>]*\bsrc=""data:image/png;base64,(?<data>[A-Za-z0-9+/=]+)""[^>]*>\s*$", RegexOptions.Compiled);
    private NotebookCell? cell;
    private StringWriter? console;

    internal void Begin(NotebookCell current, StringWriter captured)
    {
        cell = current;
        console = captured;
    }

    internal void End()
    {
        FlushConsole();
        cell = null;
        console = null;
    }

    /// <summary>Shows <paramref name="value"/> below the cell: a PNG <c>&lt;img&gt;</c> as an image, other HTML as HTML, anything else as text.</summary>
    public void display(object? value)
    {
        FlushConsole();
        if (cell is null) return;
        var data = new JsonObject();
        if (value is HtmlContent html)
        {
            var png = PngImage.Match(html.Html);
            if (png.Success)
            {
                data["image/png"] = png.Groups["data"].Value;
                data["text/plain"] = "<image>";
            }
            else
            {
                data["text/html"] = Notebook.Lines(html.Html);
            }
        }
        else
        {
            data["text/plain"] = Notebook.Lines(Format(value));
        }
        cell.Outputs.Add(new JsonObject { ["output_type"] = "display_data", ["data"] = data, ["metadata"] = new JsonObject() });
    }

    /// <summary>Wraps <paramref name="html"/> for <see cref="display"/>.</summary>
    public HtmlContent HTML(string html) => new(html);

    private static string Format(object? value) => value switch
    {
        null => "<null>",
        string text => text,
        IEnumerable items => string.Join("\n", items.Cast<object?>().Select(i => i?.ToString() ?? "<null>")),
        _ => value.ToString() ?? "",
    };

    private void FlushConsole()
    {
        if (cell is null || console is null) return;
        var text = console.ToString();
        if (text.Length == 0) return;
        console.GetStringBuilder().Clear();
        text = text.Replace("\r\n", "\n");
        // Progress lines rewritten with '\r' keep only their last state, as a terminal shows them.
        text = string.Join("\n", text.Split('\n').Select(l => l.Contains('\r') ? l[(l.LastIndexOf('\r') + 1)..] : l));
        if (cell.Outputs.Count > 0 && cell.Outputs[^1]["output_type"]?.GetValue<string>() == "stream")
        {
            var previous = string.Concat(((JsonArray)cell.Outputs[^1]["text"]!).Select(n => (string?)n));
            cell.Outputs[^1]["text"] = Notebook.Lines(previous + text);
        }
        else
        {
            cell.Outputs.Add(new JsonObject { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = Notebook.Lines(text) });
        }
    }
}
