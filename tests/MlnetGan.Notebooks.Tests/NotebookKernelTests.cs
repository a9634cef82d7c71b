using MlnetGan.Gan;

namespace MlnetGan.Notebooks.Tests;

/// <summary>
/// Executes the shipped notebooks in the .NET Interactive kernel (through papermill, as CI does), in order, on tiny data,
/// with the MlnetGan packages packed from this build. Skipped where the kernel is not installed, unless
/// MLNETGAN_REQUIRE_NOTEBOOK_KERNEL=1 (CI).
/// </summary>
public class NotebookKernelTests
{
    [SkippableFact]
    public void EveryNotebookRunsInOrderInTheKernelOnTinyData()
    {
        NotebookKernel.SkipUnlessInstalled();
        using var dir = new TempDirectory();
        var packages = Path.Combine(dir.Path, "packages");
        Repository.PackLibraries(packages);
        NotebookKernel.ForgetCachedPackages(VersionInfo.Version);
        var model = Path.Combine(dir.Path, "dcgan", "discriminator.onnx");
        Notebook Run(string name, Dictionary<string, object> parameters) => NotebookKernel.Run(name, parameters, packages, dir.Path);

        var first = Run("01-train-and-export", new() { ["trainImages"] = 256, ["epochs"] = 1, ["width"] = 8, ["device"] = "auto", ["runFolder"] = Path.Combine(dir.Path, "dcgan") });
        Assert.True(File.Exists(model));
        Assert.Contains(model, NotebookKernel.Text(first));
        Assert.True(NotebookKernel.Images(first) >= 4, $"notebook 1 displayed {NotebookKernel.Images(first)} images");

        var second = Run("02-pipeline-and-predict", new() { ["modelPath"] = model, ["imageFolder"] = Path.Combine(dir.Path, "images"), ["trainImages"] = 100, ["testImages"] = 50, ["device"] = "auto" });
        Assert.Contains("reloaded predictions match", NotebookKernel.Text(second));
        Assert.Contains("Confusion table", NotebookKernel.Text(second));

        var third = Run("03-paper-evaluation", new() { ["modelPath"] = model, ["labelsPerClass"] = "5", ["repeats"] = 1, ["device"] = "auto", ["reportFolder"] = Path.Combine(dir.Path, "evaluation") });
        Assert.Contains("| trained D | 896 |", NotebookKernel.Text(third));
        Assert.Equal(1, NotebookKernel.Images(third));

        var fourth = Run("04-semi-supervised", new()
        {
            ["trainImages"] = 300, ["labelsPerClass"] = 3, ["epochs"] = 1, ["width"] = 8, ["device"] = "auto",
            ["runFolder"] = Path.Combine(dir.Path, "ss"), ["dcganModelPath"] = model,
        });
        Assert.Contains("DCGAN features + linear SVM", NotebookKernel.Text(fourth));
        Assert.Contains("reloaded predictions match on all 1000 test images", NotebookKernel.Text(fourth));
    }

    [SkippableFact]
    public void AFailingCellFailsTheRunWithTheCellAndTheError()
    {
        NotebookKernel.SkipUnlessInstalled();
        using var dir = new TempDirectory();
        var notebook = new Notebook();
        notebook.Cells.AddRange([
            new NotebookCell { Kind = CellKind.Parameters, Source = "var x = 1;" },
            new NotebookCell { Kind = CellKind.Code, Source = "throw new InvalidOperationException($\"boom {x}\");" },
        ]);
        var path = Path.Combine(dir.Path, "broken.ipynb");
        notebook.Save(path);
        var failure = Assert.Throws<NotebookFailure>(() => NotebookKernel.RunFile(path, new() { ["x"] = 7 }, dir.Path, dir.Path));
        // papermill's injected parameters cell runs second, so the throwing cell is In [3].
        Assert.Equal("In [3]: System.InvalidOperationException: boom 7", failure.Cell);
    }
}
