using System.Collections;
using System.Globalization;
using MlnetGan.Data;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MlnetGan.Gan;

/// <summary>
/// A state dict read from a PyTorch file (<c>torch.save(net.state_dict(), path)</c>): its tensors by name, with the
/// <c>module.</c> prefix of a <c>DataParallel</c> or <c>DistributedDataParallel</c> model removed. Disposing it
/// disposes the tensors.
/// </summary>
public sealed class PyTorchStateDict : IDisposable
{
    private readonly Dictionary<string, Tensor> tensors;

    internal PyTorchStateDict(string path, Dictionary<string, Tensor> tensors)
    {
        Path = path;
        this.tensors = tensors;
    }

    /// <summary>The file it was read from.</summary>
    public string Path { get; }

    /// <summary>The tensors by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors => tensors;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in tensors.Values) tensor.Dispose();
        tensors.Clear();
    }
}

/// <summary>
/// The model settings that <see cref="PyTorchWeights.InferConfig"/> takes as given instead of reading them from the
/// tensors' shapes; null reads them from the files.
/// </summary>
public sealed record PyTorchModelSettings
{
    /// <summary>Side of the images (32 or 64); null: from the number of layers.</summary>
    public int? ImageSize { get; init; }

    /// <summary>Image channels; null: from the first convolution of the discriminator.</summary>
    public int? Channels { get; init; }

    /// <summary>Latent length; null: from the generator's first layer.</summary>
    public int? Nz { get; init; }

    /// <summary>Generator width; null: from the generator's last layer.</summary>
    public int? Ngf { get; init; }

    /// <summary>Discriminator width; null: from the discriminator's first layer.</summary>
    public int? Ndf { get; init; }
}

/// <summary>
/// Reads and writes the generator and discriminator as PyTorch state dicts named as pytorch/examples' <c>dcgan/main.py</c>
/// names them: a <c>main</c> Sequential, so <c>main.0.weight</c>, <c>main.1.running_mean</c>, ... Files are PyTorch's zip
/// format (PyTorch 1.6 and later), read and written with TorchSharp.PyBridge. <see cref="DcganGenerator"/> already uses
/// these names; <see cref="DcganDiscriminator"/>'s <c>block1.conv</c>, <c>block2.bn</c>, ..., <c>head</c> map to the
/// positions of main.py's layers (main.py's discriminator ends in a Sigmoid after the head, ours returns the logits:
/// the weights are the same). A 32x32 model has one block fewer and is written with the same scheme (main.py's classes
/// themselves are 64x64 only).
/// </summary>
public static class PyTorchWeights
{
    /// <summary>main.py's file name of the generator's state dict.</summary>
    public const string GeneratorFileName = "netG.pth";

    /// <summary>main.py's file name of the discriminator's state dict.</summary>
    public const string DiscriminatorFileName = "netD.pth";

    /// <summary>The prefix <c>DataParallel</c> and <c>DistributedDataParallel</c> put before every name of the model they wrap.</summary>
    public const string DataParallelPrefix = "module.";

    /// <summary>
    /// Reads a state dict saved by <c>torch.save(net.state_dict(), path)</c>; a <c>module.</c> prefix on every name is
    /// removed. Any file that is not one (another format, a whole pickled model, a truncated archive) is a
    /// <see cref="RunException"/> naming <paramref name="path"/>.
    /// </summary>
    public static PyTorchStateDict Read(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path)) throw new RunException(path, "not found");
        Hashtable table;
        try
        {
            using var stream = File.OpenRead(path);
            Span<byte> signature = stackalloc byte[4];
            if (stream.ReadAtLeast(signature, 4, throwOnEndOfStream: false) < 4 || !signature.SequenceEqual("PK\u0003\u0004"u8))
                throw new RunException(path, "is not a PyTorch state dict: it is not the zip archive torch.save writes (PyTorch 1.6 and later; "
                    + "a file of an older PyTorch, or saved with _use_new_zipfile_serialization=False, must be saved again)");
            stream.Position = 0;
            table = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunException(path, $"cannot be read ({e.Message})", e);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or RunException))
        {
            // PyBridge and its pickle reader report a foreign, legacy or damaged file with whatever exception they meet.
            throw new RunException(path, $"is not a PyTorch state dict as torch.save(net.state_dict(), path) writes it (PyTorch 1.6 or later): {e.Message}", e);
        }
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (DictionaryEntry entry in table)
            {
                if (entry.Key is not string name || entry.Value is not Tensor tensor)
                    throw new RunException(path, "is not a state dict: it holds something other than named tensors (a whole model saved with torch.save(net) is not read; save net.state_dict())");
                tensors.Add(name, tensor);
            }
            if (tensors.Count == 0) throw new RunException(path, "holds no tensors");
            if (tensors.Keys.All(k => k.StartsWith(DataParallelPrefix, StringComparison.Ordinal)))
                tensors = tensors.ToDictionary(p => p.Key[DataParallelPrefix.Length..], p => p.Value, StringComparer.Ordinal);
            return new PyTorchStateDict(path, tensors);
        }
        catch
        {
            foreach (var value in table.Values) (value as IDisposable)?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The configuration of the DCGAN whose generator and discriminator state dicts are given: each setting from
    /// <paramref name="given"/> when set, otherwise from the tensors' shapes (nz and ngf from the generator, ndf, channels
    /// and, from the number of layers, the image size from the discriminator). Whether every tensor then fits is checked
    /// when loading (<see cref="Load(DcganGenerator, PyTorchStateDict)"/>).
    /// </summary>
    public static DcganConfig InferConfig(PyTorchStateDict generator, PyTorchStateDict discriminator, PyTorchModelSettings? given = null)
    {
        given ??= new PyTorchModelSettings();
        var gLayers = ConvolutionWeights(generator, "generator");
        var dLayers = ConvolutionWeights(discriminator, "discriminator");
        int? dSize = ImageSizeOf(dLayers.Count - 1);
        int? gSize = ImageSizeOf(gLayers.Count - 1);
        if (given.ImageSize is null)
        {
            if (dSize is null) throw new RunException(discriminator.Path, $"has {dLayers.Count} convolutions; a DCGAN discriminator of 32x32 or 64x64 images has 4 or 5");
            if (gSize is null) throw new RunException(generator.Path, $"has {gLayers.Count} transposed convolutions; a DCGAN generator of 32x32 or 64x64 images has 4 or 5");
            if (dSize != gSize) throw new RunException(generator.Path, $"is a generator of {gSize}x{gSize} images, but {discriminator.Path} is a discriminator of {dSize}x{dSize} images");
        }
        var dFirst = dLayers[0].shape;
        var gFirst = gLayers[0].shape;
        var gLast = gLayers[^1].shape;
        int channels = given.Channels ?? Dimension(discriminator, dFirst[1], "channels");
        if (given.Channels is null && gLast[1] != channels)
            throw new RunException(generator.Path, $"generates {gLast[1]}-channel images, but {discriminator.Path} takes {channels}-channel images");
        var config = new DcganConfig
        {
            ImageSize = given.ImageSize ?? dSize!.Value,
            Channels = channels,
            Nz = given.Nz ?? Dimension(generator, gFirst[0], "nz"),
            Ngf = given.Ngf ?? Dimension(generator, gLast[0], "ngf"),
            Ndf = given.Ndf ?? Dimension(discriminator, dFirst[0], "ndf"),
        };
        try
        {
            return config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new RunException(generator.Path, $"together with {discriminator.Path} gives no model MlnetGan can build: {e.Message}", e);
        }
    }

    /// <summary>
    /// Copies a generator state dict into <paramref name="generator"/>: every tensor of the module must be in it under its
    /// name, with the module's shape and finite values, and nothing else may be; otherwise a <see cref="RunException"/>
    /// names the file and the tensors at fault.
    /// </summary>
    public static void Load(DcganGenerator generator, PyTorchStateDict stateDict) => Load(generator, stateDict, GeneratorNames(generator), "generator", generator.Config);

    /// <summary>Copies a discriminator state dict (main.py's names) into <paramref name="discriminator"/>, checked as the generator's is.</summary>
    public static void Load(DcganDiscriminator discriminator, PyTorchStateDict stateDict) => Load(discriminator, stateDict, DiscriminatorNames(discriminator), "discriminator", discriminator.Config);

    /// <summary>Writes <paramref name="generator"/> as a PyTorch state dict (main.py's names) to <paramref name="path"/>, atomically.</summary>
    public static void Save(DcganGenerator generator, string path) => Save(generator, GeneratorNames(generator), path);

    /// <summary>Writes <paramref name="discriminator"/> as a PyTorch state dict (main.py's names) to <paramref name="path"/>, atomically.</summary>
    public static void Save(DcganDiscriminator discriminator, string path) => Save(discriminator, DiscriminatorNames(discriminator), path);

    /// <summary>The generator's tensors by (our name, PyTorch name): the same names, <c>main.N.*</c>.</summary>
    public static IReadOnlyList<(string Ours, string PyTorch)> GeneratorNames(DcganGenerator generator) =>
        generator.state_dict().Keys.Select(k => (k, k)).ToList();

    /// <summary>
    /// The discriminator's tensors by (our name, PyTorch name): <c>block1.conv</c> is <c>main.0</c>, block b's convolution
    /// and BatchNorm (b &gt; 1) are <c>main.(3b-4)</c> and <c>main.(3b-3)</c> (each followed by a LeakyReLU), the head is
    /// <c>main.(3B-1)</c> for B blocks (followed by main.py's Sigmoid).
    /// </summary>
    public static IReadOnlyList<(string Ours, string PyTorch)> DiscriminatorNames(DcganDiscriminator discriminator)
    {
        int blocks = discriminator.Config.BlockCount;
        return discriminator.state_dict().Keys.Select(name =>
        {
            var parts = name.Split('.');
            int index = parts switch
            {
                ["head", _] => 3 * blocks - 1,
                [var block, "conv", _] when block.StartsWith("block", StringComparison.Ordinal) => BlockNumber(block) == 1 ? 0 : 3 * BlockNumber(block) - 4,
                [var block, "bn", _] when block.StartsWith("block", StringComparison.Ordinal) => 3 * BlockNumber(block) - 3,
                _ => throw new InvalidOperationException($"the discriminator's tensor {name} has no place in main.py's layout"),
            };
            return (name, $"main.{index.ToString(CultureInfo.InvariantCulture)}.{parts[^1]}");
        }).ToList();
    }

    private static int BlockNumber(string block) => int.Parse(block["block".Length..], CultureInfo.InvariantCulture);

    private static int? ImageSizeOf(int blocks) => blocks switch { 3 => 32, 4 => 64, _ => null };

    /// <summary>The rank-4 <c>main.N.weight</c> tensors (the convolutions) in layer order; an error naming the file when there are none.</summary>
    private static List<Tensor> ConvolutionWeights(PyTorchStateDict stateDict, string role)
    {
        var layers = stateDict.Tensors
            .Select(p => (Index: LayerIndex(p.Key), p.Value))
            .Where(p => p.Index is not null && p.Value.dim() == 4)
            .OrderBy(p => p.Index)
            .Select(p => p.Value)
            .ToList();
        if (!stateDict.Tensors.TryGetValue("main.0.weight", out var first) || first.dim() != 4)
            throw new RunException(stateDict.Path, $"is not a DCGAN {role} as pytorch/examples' dcgan/main.py saves it: it has no 4-dimensional main.0.weight (its tensors: {Names(stateDict.Tensors.Keys)})");
        // main.py's generator follows its first layer with a BatchNorm (main.1), its discriminator with a LeakyReLU.
        bool generatorLayout = stateDict.Tensors.ContainsKey("main.1.running_mean");
        if (generatorLayout != (role == "generator"))
            throw new RunException(stateDict.Path, $"is not a DCGAN {role} as main.py saves it: its first layer is followed by {(generatorLayout ? "a BatchNorm (main.1), as in the generator" : "no BatchNorm, as in the discriminator")}; are the files swapped?");
        return layers;
    }

    private static int? LayerIndex(string name)
    {
        var parts = name.Split('.');
        return parts is ["main", var index, "weight"] && int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out int i) ? i : null;
    }

    private static int Dimension(PyTorchStateDict stateDict, long value, string setting) =>
        value is >= 1 and <= int.MaxValue ? (int)value : throw new RunException(stateDict.Path, $"gives {setting} {value}, which no model has");

    private static void Load(nn.Module module, PyTorchStateDict stateDict, IReadOnlyList<(string Ours, string PyTorch)> names, string role, DcganConfig config)
    {
        var wanted = names.Select(n => n.PyTorch).ToHashSet(StringComparer.Ordinal);
        var missing = names.Select(n => n.PyTorch).Where(n => !stateDict.Tensors.ContainsKey(n)).ToList();
        var unexpected = stateDict.Tensors.Keys.Where(n => !wanted.Contains(n)).OrderBy(n => n, StringComparer.Ordinal).ToList();
        var model = $"a DCGAN {role} of {CheckpointStore.Describe(config)}";
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            var problems = new List<string>();
            if (missing.Count > 0) problems.Add($"it lacks {Names(missing)}");
            if (unexpected.Count > 0) problems.Add($"it has tensors {model} has not: {Names(unexpected)}");
            throw new RunException(stateDict.Path, $"does not fit {model} as main.py names its layers: {string.Join("; ", problems)}");
        }
        using var scope = NewDisposeScope();
        var targets = module.state_dict();
        using var noGrad = no_grad();
        foreach (var (ours, pyTorch) in names)
        {
            var source = stateDict.Tensors[pyTorch];
            var target = targets[ours];
            // PyBridge rebuilds a 0-dimensional tensor (BatchNorm's num_batches_tracked) with shape [1].
            bool fits = source.shape.SequenceEqual(target.shape) || (target.dim() == 0 && source.numel() == 1);
            if (!fits)
                throw new RunException(stateDict.Path, $"{pyTorch} has shape {Shape(source)}, but {model} has {Shape(target)} there");
            if (source.is_floating_point() != target.is_floating_point())
                throw new RunException(stateDict.Path, $"{pyTorch} holds {source.dtype} values, not {target.dtype}");
            if (source.is_floating_point() && !source.isfinite().all().item<bool>())
                throw new RunException(stateDict.Path, $"{pyTorch} holds non-finite values (NaN or infinity)");
            target.copy_(source.reshape(target.shape));
        }
    }

    private static void Save(nn.Module module, IReadOnlyList<(string Ours, string PyTorch)> names, string path)
    {
        using var scope = NewDisposeScope();
        var tensors = module.state_dict();
        var table = new Hashtable();
        foreach (var (ours, pyTorch) in names) table[pyTorch] = tensors[ours].detach().cpu().contiguous();
        AtomicFile.Write(path, stream => PyTorchPickler.PickleStateDict(stream, table, leaveOpen: true));
    }

    private static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";

    private static string Names(IEnumerable<string> names)
    {
        var list = names.OrderBy(n => n, StringComparer.Ordinal).ToList();
        return string.Join(", ", list.Take(6)) + (list.Count > 6 ? $", ... ({list.Count} in all)" : "");
    }
}
