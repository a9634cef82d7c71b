namespace MlnetGan.Notebooks;

/// <summary>What a notebook cell holds.</summary>
public enum CellKind
{
    /// <summary>Markdown text.</summary>
    Markdown,

    /// <summary>C# code.</summary>
    Code,

    /// <summary>The C# parameters cell (papermill's "parameters" tag): assignments a runner may override.</summary>
    Parameters,
}

/// <summary>One cell of a notebook's source.</summary>
public sealed record SourceCell(CellKind Kind, string Text);

/// <summary>
/// A notebook written as a C# file-based app (<c>dotnet run notebook.cs</c>), the one source both forms come from.
/// The file starts with <c>#:</c> directives; <c>// %% [markdown]</c>, <c>// %% [parameters]</c> and <c>// %%</c> lines
/// open markdown (every line a <c>//</c> comment), parameters and code cells; <c>// %% [file-based app only]</c> opens
/// the tail that only the file-based app compiles (its stand-ins for the kernel's <c>display</c> and <c>HTML</c>).
/// </summary>
public sealed record NotebookSource(string Path, IReadOnlyList<string> Directives, IReadOnlyList<SourceCell> Cells)
{
    private const string Marker = "// %%";
    private const string FileBasedOnlyMarker = "// %% [file-based app only]";

    /// <summary>Reads and checks <paramref name="path"/>; errors name the file and line.</summary>
    public static NotebookSource Parse(string path)
    {
        if (!File.Exists(path)) throw new NotebookException($"{path}: notebook source not found");
        var lines = File.ReadAllLines(path);
        var directives = new List<string>();
        var cells = new List<SourceCell>();
        CellKind? kind = null;
        var text = new List<string>();
        int i = 0;
        for (; i < lines.Length; i++)
        {
            var line = lines[i];
            var trimmed = line.Trim();
            if (trimmed == FileBasedOnlyMarker) break;
            if (trimmed.StartsWith(Marker, StringComparison.Ordinal))
            {
                Close();
                kind = trimmed switch
                {
                    "// %%" => CellKind.Code,
                    "// %% [markdown]" => CellKind.Markdown,
                    "// %% [parameters]" => CellKind.Parameters,
                    _ => throw new NotebookException($"{path}:{i + 1}: unknown cell marker '{trimmed}' (use // %%, // %% [markdown], // %% [parameters] or {FileBasedOnlyMarker})"),
                };
                continue;
            }
            if (kind is null)
            {
                if (trimmed.StartsWith("#:", StringComparison.Ordinal)) directives.Add(trimmed);
                else if (trimmed.Length > 0 && !trimmed.StartsWith("//", StringComparison.Ordinal))
                    throw new NotebookException($"{path}:{i + 1}: code before the first cell marker");
                continue;
            }
            if (kind == CellKind.Markdown)
            {
                if (trimmed.Length > 0 && !trimmed.StartsWith("//", StringComparison.Ordinal))
                    throw new NotebookException($"{path}:{i + 1}: a markdown cell holds only // comment lines");
                text.Add(trimmed.Length <= 3 ? "" : trimmed[(trimmed.StartsWith("// ", StringComparison.Ordinal) ? 3 : 2)..]);
            }
            else text.Add(line);
        }
        Close();
        if (cells.Count(c => c.Kind == CellKind.Parameters) != 1)
            throw new NotebookException($"{path}: needs exactly one // %% [parameters] cell");
        return new NotebookSource(path, directives, cells);

        void Close()
        {
            if (kind is { } k)
            {
                var body = string.Join("\n", text).Trim('\n');
                if (body.Trim().Length == 0) throw new NotebookException($"{path}:{i + 1}: empty cell before this line");
                cells.Add(new SourceCell(k, body));
            }
            text.Clear();
        }
    }
}

/// <summary>A notebook that cannot be read, generated or run; the message names the file, line or cell.</summary>
public sealed class NotebookException(string message, Exception? inner = null) : Exception(message, inner);
