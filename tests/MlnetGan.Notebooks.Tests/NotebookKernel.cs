using System.Text.Json;
using System.Text.Json.Nodes;

namespace MlnetGan.Notebooks.Tests;

/// <summary>
/// Runs a notebook in the real .NET Interactive kernel through papermill (the tools scripts/install-notebook-kernel.sh
/// installs), with the MlnetGan packages restored from a local folder.
/// </summary>
internal static class NotebookKernel
{
    /// <summary>Set to 1 (CI does) to fail instead of skip where the kernel or papermill is missing.</summary>
    public const string RequireVariable = "MLNETGAN_REQUIRE_NOTEBOOK_KERNEL";

    /// <summary>Skips the test where papermill or the .NET Interactive kernel is not installed, unless CI requires them.</summary>
    public static void SkipUnlessInstalled()
    {
        var missing = Missing();
        if (missing is null) return;
        var message = $"{missing}; install with: bash scripts/install-notebook-kernel.sh";
        if (Environment.GetEnvironmentVariable(RequireVariable) == "1") Assert.Fail(message);
        Skip.If(true, message);
    }

    private static string? Missing()
    {
        try
        {
            if (ChildProcess.Run("papermill", ["--version"], TimeSpan.FromMinutes(1)).ExitCode != 0) return "papermill does not run";
            var kernels = ChildProcess.Run("jupyter", ["kernelspec", "list"], TimeSpan.FromMinutes(1));
            if (kernels.ExitCode != 0 || !kernels.Output.Contains(".net-csharp", StringComparison.Ordinal)) return "the .NET (C#) Jupyter kernel (.net-csharp) is not registered";
            var tool = ChildProcess.Run("dotnet", ["tool", "run", "dotnet-interactive", "--", "--version"], TimeSpan.FromMinutes(2), Repository.Root);
            return tool.ExitCode == 0 ? null : "the dotnet-interactive tool is not restored (dotnet tool restore)";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "papermill or jupyter is not installed";
        }
    }

    /// <summary>
    /// Removes this version of the MlnetGan packages from NuGet's global packages folder, so that the kernel restores the
    /// ones just packed rather than a copy of the same version packed from other sources.
    /// </summary>
    public static void ForgetCachedPackages(string version)
    {
        var global = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var library in Repository.Libraries)
        {
            var cached = Path.Combine(global, library.ToLowerInvariant(), version.ToLowerInvariant());
            if (Directory.Exists(cached)) Directory.Delete(cached, recursive: true);
        }
    }

    /// <summary>
    /// Executes notebooks/<paramref name="name"/>.ipynb top to bottom with <paramref name="parameters"/> injected after its
    /// parameters cell, restoring MlnetGan packages from <paramref name="packages"/>; fails the test with the cell and the
    /// error when a cell fails. Returns the executed notebook.
    /// </summary>
    public static Notebook Run(string name, Dictionary<string, object> parameters, string packages, string workFolder) =>
        RunFile(Path.Combine(Repository.Notebooks, name + ".ipynb"), parameters, packages, workFolder);

    /// <summary>As <see cref="Run"/>, for any notebook file; <see cref="NotebookFailure"/> carries a failed cell.</summary>
    public static Notebook RunFile(string notebook, Dictionary<string, object> parameters, string packages, string workFolder)
    {
        var name = Path.GetFileNameWithoutExtension(notebook);
        var parameterFile = Path.Combine(workFolder, name + ".parameters.json");
        File.WriteAllText(parameterFile, JsonSerializer.Serialize(parameters)); // JSON is YAML, as papermill -f reads it
        var executed = Path.Combine(workFolder, name + ".executed.ipynb");
        // The kernel starts as `dotnet interactive`, found through the repository's tool manifest: run it from notebooks/.
        var result = ChildProcess.Run("papermill", [notebook, executed, "-f", parameterFile, "--cwd", Repository.Notebooks, "-k", ".net-csharp", "--execution-timeout", "900"],
            TimeSpan.FromMinutes(20), Repository.Notebooks, new Dictionary<string, string> { ["RestoreAdditionalProjectSources"] = packages });
        if (result.ExitCode != 0)
            throw new NotebookFailure(File.Exists(executed) ? FailedCell(executed) : null, $"papermill exited with {result.ExitCode} on {name}:\n{result.All}");
        return Notebook.Load(executed);
    }

    /// <summary>"In [N]: first line of the error" for the first cell with an error output (N: its execution count, as papermill reports it).</summary>
    private static string? FailedCell(string executed)
    {
        foreach (var cell in JsonNode.Parse(File.ReadAllText(executed))!["cells"]!.AsArray())
            foreach (var output in cell!["outputs"]?.AsArray() ?? [])
                if ((string?)output!["output_type"] == "error")
                    return $"In [{(int?)cell["execution_count"]}]: {((string?)output["evalue"] ?? "").Split('\n')[0].Trim()}";
        return null;
    }

    /// <summary>The text a notebook's cells printed or displayed (plain text and HTML).</summary>
    public static string Text(Notebook notebook) => string.Join("\n", notebook.Cells.SelectMany(c => c.Outputs).Select(o =>
        Joined(o["text"]) + Joined(o["data"]?["text/plain"]) + Joined(o["data"]?["text/html"])));

    /// <summary>How many PNG images a notebook displayed (image outputs, or embedded in HTML).</summary>
    public static int Images(Notebook notebook) => notebook.Cells.SelectMany(c => c.Outputs)
        .Count(o => o["data"]?["image/png"] is not null || Joined(o["data"]?["text/html"]).Contains("data:image/png;base64,", StringComparison.Ordinal));

    private static string Joined(JsonNode? node) => node switch
    {
        JsonArray lines => string.Concat(lines.Select(l => (string?)l)),
        JsonValue value => value.ToString(),
        _ => "",
    };
}

/// <summary>A notebook cell failed in the kernel: <see cref="Cell"/> is "In [N]: error" when papermill recorded it.</summary>
internal sealed class NotebookFailure(string? cell, string details) : Exception(cell is null ? details : $"{cell}\n{details}")
{
    public string? Cell { get; } = cell;
}
