using System.CommandLine;
using MlnetGan.Notebooks;

var sources = new Argument<string[]>("sources") { Description = "Notebook sources (file-based apps, notebooks/*.cs); default: every notebooks/*.cs of the repository.", Arity = ArgumentArity.ZeroOrMore };
var check = new Option<bool>("--check") { Description = "Fail when a committed .ipynb's cells differ from its source instead of writing it (outputs are ignored)." };
var generate = new Command("generate", "Write each notebooks/<name>.ipynb from notebooks/<name>.cs where the cells differ (cells only; outputs come from running the notebook in the .NET Interactive kernel, scripts/run-notebooks.sh).") { sources, check };
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

var root = new RootCommand("MlnetGan's notebook tool: generate the Polyglot notebooks from their file-based-app sources.") { generate };
try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (NotebookException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
