using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.Onnx;
using static TorchSharp.torch;

namespace MlnetGan.Workflows;

/// <summary>What <see cref="PyTorchTransfer.Import"/> reads and the run folder it makes.</summary>
public sealed record PyTorchImportRequest
{
    /// <summary>The run folder to create; it must not exist or be empty.</summary>
    public required RunFolder Run { get; init; }

    /// <summary>The generator's state dict (main.py's <c>netG.pth</c>).</summary>
    public required string Generator { get; init; }

    /// <summary>The discriminator's state dict (main.py's <c>netD.pth</c>).</summary>
    public required string Discriminator { get; init; }

    /// <summary>Model settings taken as given; those left null are read from the tensors' shapes.</summary>
    public PyTorchModelSettings Model { get; init; } = new();

    /// <summary>Also export the discriminator to <see cref="RunFolder.DiscriminatorPath"/>, as training does.</summary>
    public bool Export { get; init; } = true;
}

/// <summary>How <see cref="PyTorchTransfer.Import"/> ended: the model imported, its checkpoint and, when exported, the ONNX file.</summary>
public sealed record PyTorchImportOutcome(DcganConfig Model, string Checkpoint, string? ExportedModel);

/// <summary>
/// Moves a DCGAN between a run folder and PyTorch state dicts named as pytorch/examples' <c>dcgan/main.py</c> names
/// them (<see cref="PyTorchWeights"/>), so that training can continue in PyTorch (which trains on several GPUs) and come back.
/// </summary>
public static class PyTorchTransfer
{
    /// <summary>What an imported run records as its dataset: it was trained elsewhere, on images this run does not know.</summary>
    public const string ImportedDataset = "imported from PyTorch";

    /// <summary>
    /// Makes a run folder of <paramref name="request"/>'s generator and discriminator: <c>config.json</c> (the model read
    /// from the files, the default training settings, which are main.py's Adam settings, and fp32), one checkpoint at
    /// step 0 holding the weights and fresh Adam states (main.py does not save its optimizers, so
    /// <c>train --resume</c> continues with Adam started anew), and the ONNX export. The folder is built beside its place and
    /// renamed into it, so an error leaves none behind; an existing folder that is not empty is refused.
    /// </summary>
    public static PyTorchImportOutcome Import(PyTorchImportRequest request)
    {
        var run = request.Run;
        if (Directory.Exists(run.Root) && Directory.EnumerateFileSystemEntries(run.Root).Any())
            throw new RunException(run.Root, name => $"already exists and is not empty; choose another {name(RunFolder.SettingName)}");
        var (generator, discriminator) = LoadNetworks(request);
        using (generator)
        using (discriminator)
        {
            var model = generator.Config;
            var parent = Path.GetDirectoryName(run.Root) ?? throw new RunException(run.Root, "is not a folder a run can be made in");
            Directory.CreateDirectory(parent);
            var temp = new RunFolder(Path.Combine(parent, $".{Path.GetFileName(run.Root)}.{Guid.NewGuid():N}.tmp"));
            try
            {
                Directory.CreateDirectory(temp.Root);
                var training = new TrainingOptions { Precision = TrainingPrecision.Fp32 };
                var runId = Guid.NewGuid().ToString("N");
                temp.WriteConfig(new RunConfig(model, training, new DatasetInfo(ImportedDataset, 0, []), VersionInfo.Version, runId));
                using var optimizerG = optim.Adam(generator.parameters(), training.LearningRate, training.Beta1, training.Beta2);
                using var optimizerD = optim.Adam(discriminator.parameters(), training.LearningRate, training.Beta1, training.Beta2);
                var saved = new CheckpointStore(temp).Save(new CheckpointState(0, 0, model), generator, discriminator, optimizerG, optimizerD, keep: 1, runId);
                if (request.Export) RunExport.Export(temp, temp.DiscriminatorPath);
                if (Directory.Exists(run.Root)) Directory.Delete(run.Root); // empty, checked above
                Directory.Move(temp.Root, run.Root);
                return new PyTorchImportOutcome(model, Path.Combine(run.CheckpointsPath, Path.GetFileName(saved.Path)), request.Export ? run.DiscriminatorPath : null);
            }
            catch
            {
                TryDelete(temp.Root);
                throw;
            }
        }
    }

    /// <summary>
    /// Writes a checkpoint of <paramref name="run"/> (default: its latest) as <c>netG.pth</c> and <c>netD.pth</c> into
    /// <paramref name="folder"/>, each atomically, loadable by main.py's <c>Generator</c> and <c>Discriminator</c>
    /// (<c>net.load_state_dict(torch.load(path))</c>) for a 64x64 run. A K-class (semi-supervised or supervised) run is
    /// refused: main.py's discriminator has one output. Returns the checkpoint's state.
    /// </summary>
    public static CheckpointState Export(RunFolder run, string folder, string? checkpoint = null)
    {
        var config = run.ReadConfig();
        if (config.Model.NumClasses > 0)
            throw new RunException(run.Root, $"is a {config.Mode.Name()} run with a {config.Model.NumClasses}-class discriminator; the PyTorch export writes main.py's DCGAN, whose discriminator has one output");
        var path = new CheckpointStore(run).ForExport(checkpoint, config);
        using var generator = new DcganGenerator(config.Model);
        using var discriminator = new DcganDiscriminator(config.Model);
        var state = CheckpointStore.Load(path, generator, discriminator);
        PyTorchWeights.Save(generator, Path.Combine(folder, PyTorchWeights.GeneratorFileName));
        PyTorchWeights.Save(discriminator, Path.Combine(folder, PyTorchWeights.DiscriminatorFileName));
        return state;
    }

    private static (DcganGenerator Generator, DcganDiscriminator Discriminator) LoadNetworks(PyTorchImportRequest request)
    {
        using var g = PyTorchWeights.Read(request.Generator);
        using var d = PyTorchWeights.Read(request.Discriminator);
        var model = PyTorchWeights.InferConfig(g, d, request.Model);
        var generator = new DcganGenerator(model);
        var discriminator = new DcganDiscriminator(model);
        try
        {
            PyTorchWeights.Load(generator, g);
            PyTorchWeights.Load(discriminator, d);
            return (generator, discriminator);
        }
        catch
        {
            generator.Dispose();
            discriminator.Dispose();
            throw;
        }
    }

    private static void TryDelete(string folder)
    {
        try { if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
