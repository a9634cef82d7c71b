using System.CommandLine;
using MlnetGan.Notebooks;

var sources = new Argument<string[]>("sources") { Description = "Notebook sources (file-based apps, notebooks/*.cs); default: every notebooks/*.cs of the repository.", Arity = ArgumentArity.ZeroOrMore };
var check = new Option<bool>("--check") { Description = "Fail when a committed .ipynb's cells differ from its source instead of writing it (outputs are ignored)." };
var generate = new Command("generate", "Write each notebooks/<name>.ipynb from notebooks/<name>.cs where the cells differ (cells only; outputs come from 'run --write-outputs').") { sources, check };
generate.SetAction(parse =>
{
    var files = parse.GetValue(sources) is { Length: > 0 } given ? given
        : Directory.GetFiles(Path.Combine(RepositoryVersions.FindRoot(Environment.CurrentDirectory), "notebooks"), "*.cs").Order(StringComparer.Ordinal).ToArray();
    var stale = new List<string>();
    foreach (var file in files)
    {
        var source = NotebookSource.Parse(file);
        var notebook = NotebookGenerator.Generate(source, RepositoryVersions.Read(RepositoryVersions.FindRoot(file)));
        var target = NotebookGenerator.NotebookPathOf(file);
        if (parse.GetValue(check))
        {
            if (!NotebookGenerator.IsUpToDate(notebook, target)) stale.Add(target);
            continue;
        }
        if (NotebookGenerator.IsUpToDate(notebook, target))
        {
            Console.WriteLine($"{target}: up to date (its outputs are kept)");
            continue;
        }
        notebook.Save(target);
        Console.WriteLine($"{file} -> {target}");
    }
    if (stale.Count == 0) return 0;
    Console.Error.WriteLine($"error: out of date with their sources (run mlnetgan-notebooks generate): {string.Join(", ", stale)}");
    return 1;
});

var notebookPath = new Argument<string>("notebook") { Description = "The .ipynb to run." };
var parameters = new Option<string[]>("--param", "-p") { Description = "Override a parameters-cell assignment: name=<C# expression>, e.g. -p epochs=1 -p 'dataset=\"builtin\"'.", AllowMultipleArgumentsPerToken = false };
var packages = new Option<string?>("--packages") { Description = "Package folder the MlnetGan #r references must be found in (default: the notebook's #i folder when it exists)." };
var writeOutputs = new Option<string?>("--write-outputs") { Description = "Write a copy of the notebook with the executed outputs (text and PNG images) to this path." };
var run = new Command("run", "Execute a notebook's C# cells in order (Roslyn scripting) and fail with the cell number on the first error.") { notebookPath, parameters, packages, writeOutputs };
run.SetAction(parse =>
{
    var path = Path.GetFullPath(parse.GetValue(notebookPath)!);
    var overrides = new Dictionary<string, string>();
    foreach (var item in parse.GetValue(parameters) ?? [])
    {
        int equals = item.IndexOf('=');
        if (equals <= 0) throw new NotebookException($"--param '{item}': expected name=value");
        overrides[item[..equals].Trim()] = item[(equals + 1)..];
    }
    var output = parse.GetValue(writeOutputs) is { } o ? Path.GetFullPath(o) : null;
    var directory = Path.GetDirectoryName(path)!;
    Environment.CurrentDirectory = directory; // as the kernel runs a notebook: relative paths start at the notebook
    var executed = NotebookRunner.Run(Notebook.Load(path), new NotebookRunOptions
    {
        Parameters = overrides, PackageSource = parse.GetValue(packages) is { } p ? Path.GetFullPath(p) : null, NotebookDirectory = directory, Log = Console.Error,
    });
    if (output is not null)
    {
        executed.Save(output);
        Console.Error.WriteLine($"outputs written to {output}");
    }
    return 0;
});

var root = new RootCommand("MlnetGan's notebook tool: generate the Polyglot notebooks from their file-based-app sources, and run them.") { generate, run };
try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (NotebookException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
