using System.Text.Json;
using MlnetGan.Data;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlnetGan.Gan;

/// <summary>Where training stood when a checkpoint was written.</summary>
public sealed record CheckpointState(long Step, int Epoch, DcganConfig Model);

/// <summary>
/// Checkpoints of a run: <c>checkpoints/step-NNNNNNNN/</c> folders holding the generator, the discriminator, both
/// optimizers and <c>state.json</c>. A checkpoint is written into a temporary folder and renamed into place, then
/// <c>checkpoints/latest.json</c> is replaced atomically, so a crash never leaves a half-written checkpoint in use.
/// </summary>
public sealed class CheckpointStore(RunFolder run)
{
    private const string GeneratorFile = "generator.bin";
    private const string DiscriminatorFile = "discriminator.bin";
    private const string GeneratorOptimizerFile = "optimizer_g.bin";
    private const string DiscriminatorOptimizerFile = "optimizer_d.bin";
    private const string StateFile = "state.json";

    private string LatestPath => Path.Combine(run.CheckpointsPath, "latest.json");

    /// <summary>Writes a checkpoint and makes it the latest; keeps the newest <paramref name="keep"/> checkpoints.</summary>
    public string Save(CheckpointState state, DcganGenerator generator, DcganDiscriminator discriminator, OptimizerHelper optimizerG, OptimizerHelper optimizerD, int keep)
    {
        Directory.CreateDirectory(run.CheckpointsPath);
        var name = $"step-{state.Step:D8}";
        var final = Path.Combine(run.CheckpointsPath, name);
        var temp = Path.Combine(run.CheckpointsPath, $".{name}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(temp);
            using (var stream = File.Create(Path.Combine(temp, GeneratorFile))) generator.save(stream);
            using (var stream = File.Create(Path.Combine(temp, DiscriminatorFile))) discriminator.save(stream);
            SaveOptimizer(optimizerG, Path.Combine(temp, GeneratorOptimizerFile));
            SaveOptimizer(optimizerD, Path.Combine(temp, DiscriminatorOptimizerFile));
            File.WriteAllText(Path.Combine(temp, StateFile), JsonSerializer.Serialize(state, RunFolder.Json));
            if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
            Directory.Move(temp, final);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDeleteDirectory(temp);
            throw new IOException($"cannot write checkpoint {final}: {e.Message}", e);
        }
        AtomicFile.WriteAllText(LatestPath, JsonSerializer.Serialize(new { checkpoint = name }, RunFolder.Json));
        Prune(keep, name);
        return final;
    }

    /// <summary>The folder of the latest checkpoint, or null when the run has none.</summary>
    public string? LatestPathOrNull()
    {
        if (!File.Exists(LatestPath)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(LatestPath));
            var name = doc.RootElement.GetProperty("checkpoint").GetString();
            if (string.IsNullOrEmpty(name) || name.Contains('/') || name.Contains('\\'))
                throw new RunException(LatestPath, "names no checkpoint");
            return Path.Combine(run.CheckpointsPath, name);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new RunException(LatestPath, $"is corrupt ({e.Message})", e);
        }
    }

    /// <summary>Reads a checkpoint's <c>state.json</c>.</summary>
    public static CheckpointState ReadState(string checkpoint)
    {
        var path = Path.Combine(checkpoint, StateFile);
        if (!Directory.Exists(checkpoint)) throw new RunException(checkpoint, "checkpoint folder not found");
        if (!File.Exists(path)) throw new RunException(path, "not found: the checkpoint is incomplete");
        try
        {
            return JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(path), RunFolder.Json) ?? throw new RunException(path, "is empty");
        }
        catch (JsonException e)
        {
            throw new RunException(path, $"is corrupt ({e.Message})", e);
        }
    }

    /// <summary>
    /// Loads a checkpoint's networks (and, when given, optimizers) into the modules passed, which must have been built for
    /// the checkpoint's configuration; a checkpoint of another configuration is an error naming both.
    /// </summary>
    public static CheckpointState Load(string checkpoint, DcganGenerator? generator, DcganDiscriminator? discriminator, OptimizerHelper? optimizerG = null, OptimizerHelper? optimizerD = null)
    {
        var state = ReadState(checkpoint);
        var expected = (generator?.Config ?? discriminator?.Config)!;
        if (expected is not null && state.Model != expected)
            throw new RunException(checkpoint, $"was written for {Describe(state.Model)}, not {Describe(expected)}");
        if (generator is not null) LoadModule(generator, Path.Combine(checkpoint, GeneratorFile));
        if (discriminator is not null) LoadModule(discriminator, Path.Combine(checkpoint, DiscriminatorFile));
        if (optimizerG is not null) LoadOptimizer(optimizerG, Path.Combine(checkpoint, GeneratorOptimizerFile));
        if (optimizerD is not null) LoadOptimizer(optimizerD, Path.Combine(checkpoint, DiscriminatorOptimizerFile));
        return state;
    }

    /// <summary>A short description of a configuration for messages.</summary>
    public static string Describe(DcganConfig c) =>
        $"{c.ImageSize}x{c.ImageSize}x{c.Channels} nz={c.Nz} ngf={c.Ngf} ndf={c.Ndf}" + (c.NumClasses > 0 ? $" classes={c.NumClasses}" : "");

    private static void LoadModule(nn.Module module, string path)
    {
        if (!File.Exists(path)) throw new RunException(path, "not found: the checkpoint is incomplete");
        try
        {
            using var stream = File.OpenRead(path);
            module.load(stream, strict: true);
        }
        catch (Exception e) when (e is not RunException)
        {
            throw new RunException(path, $"cannot be loaded ({e.Message})", e);
        }
    }

    private static void SaveOptimizer(OptimizerHelper optimizer, string path)
    {
        using var stream = File.Create(path);
        using var writer = new BinaryWriter(stream);
        optimizer.save_state_dict(writer);
    }

    private static void LoadOptimizer(OptimizerHelper optimizer, string path)
    {
        if (!File.Exists(path)) throw new RunException(path, "not found: the checkpoint is incomplete");
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new BinaryReader(stream);
            optimizer.load_state_dict(reader);
        }
        catch (Exception e) when (e is not RunException)
        {
            throw new RunException(path, $"cannot be loaded ({e.Message})", e);
        }
    }

    private void Prune(int keep, string newest)
    {
        var old = Directory.EnumerateDirectories(run.CheckpointsPath, "step-*")
            .Select(Path.GetFileName).OfType<string>()
            .Where(n => n != newest)
            .OrderByDescending(n => n, StringComparer.Ordinal)
            .Skip(keep - 1);
        foreach (var name in old) TryDeleteDirectory(Path.Combine(run.CheckpointsPath, name));
    }

    private static void TryDeleteDirectory(string path)
    {
        try { if (Directory.Exists(path)) Directory.Delete(path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
