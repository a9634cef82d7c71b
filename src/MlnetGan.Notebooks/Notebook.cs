using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlnetGan.Data;

namespace MlnetGan.Notebooks;

/// <summary>A cell of a Polyglot (.ipynb) notebook.</summary>
public sealed class NotebookCell
{
    /// <summary>Markdown, code or the parameters cell (a code cell tagged "parameters").</summary>
    public required CellKind Kind { get; init; }

    /// <summary>The cell's text.</summary>
    public required string Source { get; set; }

    /// <summary>Outputs as nbformat JSON objects (stream, display_data, execute_result, error).</summary>
    public List<JsonObject> Outputs { get; } = [];

    /// <summary>Execution count of an executed code cell.</summary>
    public int? ExecutionCount { get; set; }

    /// <summary>Whether the cell runs (code or parameters).</summary>
    public bool IsCode => Kind != CellKind.Markdown;
}

/// <summary>
/// A Polyglot notebook (.ipynb, nbformat 4) with the .NET Interactive kernelspec and per-cell C# language metadata, as
/// VS Code's Polyglot Notebooks extension writes it.
/// </summary>
public sealed class Notebook
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, IndentSize = 1, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The cells in order.</summary>
    public List<NotebookCell> Cells { get; } = [];

    /// <summary>A copy with the same cells and no outputs.</summary>
    public Notebook WithoutOutputs()
    {
        var copy = new Notebook();
        copy.Cells.AddRange(Cells.Select(c => new NotebookCell { Kind = c.Kind, Source = c.Source }));
        return copy;
    }

    /// <summary>Reads an .ipynb; errors name the file.</summary>
    public static Notebook Load(string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            throw new NotebookException($"{path}: not a readable notebook ({e.Message})", e);
        }
        var cells = root?["cells"] as JsonArray ?? throw new NotebookException($"{path}: not a notebook (no 'cells' array)");
        var notebook = new Notebook();
        foreach (var (node, index) in cells.Select((n, i) => (n, i)))
        {
            if (node is not JsonObject) throw new NotebookException($"{path}: cell {index + 1} is not a JSON object");
            var type = (string?)node?["cell_type"];
            var source = node?["source"] switch
            {
                JsonArray parts => string.Concat(parts.Select(p => (string?)p)),
                JsonValue value => (string?)value ?? "",
                _ => "",
            };
            bool parameters = node?["metadata"]?["tags"] is JsonArray tags && tags.Any(t => (string?)t == "parameters");
            var cell = new NotebookCell
            {
                Kind = type == "markdown" ? CellKind.Markdown : parameters ? CellKind.Parameters : CellKind.Code,
                Source = source,
            };
            if (node?["outputs"] is JsonArray outputs) cell.Outputs.AddRange(outputs.OfType<JsonObject>().Select(o => (JsonObject)o.DeepClone()));
            notebook.Cells.Add(cell);
        }
        return notebook;
    }

    /// <summary>Writes the notebook atomically (temporary file, then rename).</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());

    /// <summary>The nbformat JSON text.</summary>
    public string ToJson()
    {
        var cells = new JsonArray();
        foreach (var cell in Cells)
        {
            var metadata = new JsonObject();
            if (cell.IsCode)
            {
                metadata["dotnet_interactive"] = new JsonObject { ["language"] = "csharp" };
                metadata["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" };
                if (cell.Kind == CellKind.Parameters) metadata["tags"] = new JsonArray("parameters");
            }
            var json = new JsonObject { ["cell_type"] = cell.IsCode ? "code" : "markdown" };
            if (cell.IsCode) json["execution_count"] = cell.ExecutionCount;
            json["metadata"] = metadata;
            if (cell.IsCode) json["outputs"] = new JsonArray(cell.Outputs.Select(o => (JsonNode)o.DeepClone()).ToArray());
            json["source"] = Lines(cell.Source);
            cells.Add(json);
        }
        var root = new JsonObject
        {
            ["cells"] = cells,
            ["metadata"] = new JsonObject
            {
                ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
                ["language_info"] = new JsonObject { ["file_extension"] = ".cs", ["mimetype"] = "text/x-csharp", ["name"] = "C#", ["pygments_lexer"] = "csharp", ["version"] = "13.0" },
                ["polyglot_notebook"] = new JsonObject
                {
                    ["kernelInfo"] = new JsonObject
                    {
                        ["defaultKernelName"] = "csharp",
                        ["items"] = new JsonArray(new JsonObject { ["aliases"] = new JsonArray(), ["name"] = "csharp" }),
                    },
                },
            },
            ["nbformat"] = 4,
            ["nbformat_minor"] = 4,
        };
        return root.ToJsonString(Json) + "\n";
    }

    /// <summary>nbformat's multi-line string: a list of lines, each but the last ending in a newline.</summary>
    public static JsonArray Lines(string text)
    {
        var lines = text.Split('\n');
        return new JsonArray(lines.Select((line, i) => (JsonNode)JsonValue.Create(i < lines.Length - 1 ? line + "\n" : line)!).Where((_, i) => i < lines.Length - 1 || lines[i].Length > 0).ToArray());
    }
}
