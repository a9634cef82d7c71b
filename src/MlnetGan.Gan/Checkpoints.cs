using System.Security.Cryptography;
using System.Text.Json;
using MlnetGan.Data;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlnetGan.Gan;

/// <summary>Where training stood when a checkpoint was written.</summary>
public sealed record CheckpointState(long Step, int Epoch, DcganConfig Model);

/// <summary>
/// A checkpoint's <c>manifest.json</c>: the run it belongs to, whether its weights were finite when written, and the
/// SHA-256 of each of its files, checked whenever the checkpoint is loaded.
/// </summary>
public sealed record CheckpointManifest(string? RunId, bool WeightsFinite, IReadOnlyDictionary<string, string> Sha256);

/// <summary>A checkpoint just written, and whether its weights were finite (only a finite one becomes the latest).</summary>
public sealed record SavedCheckpoint(string Path, bool WeightsFinite);

/// <summary>
/// Checkpoints of a run: <c>checkpoints/step-NNNNNNNN/</c> folders holding the generator, the discriminator, both
/// optimizers, <c>state.json</c> and <c>manifest.json</c> (see <see cref="CheckpointManifest"/>). A checkpoint is written
/// into a temporary folder and renamed into place, then <c>checkpoints/latest.json</c> is replaced atomically, so a crash
/// never leaves a half-written checkpoint in use. <c>latest.json</c> names the newest checkpoint whose weights were finite.
/// </summary>
public sealed class CheckpointStore(RunFolder run)
{
    private const string GeneratorFile = "generator.bin";
    private const string DiscriminatorFile = "discriminator.bin";
    private const string GeneratorOptimizerFile = "optimizer_g.bin";
    private const string DiscriminatorOptimizerFile = "optimizer_d.bin";
    private const string StateFile = "state.json";
    private const string ManifestFile = "manifest.json";
    private static readonly string[] CheckedFiles = [GeneratorFile, DiscriminatorFile, GeneratorOptimizerFile, DiscriminatorOptimizerFile, StateFile];

    private string LatestPath => Path.Combine(run.CheckpointsPath, "latest.json");

    /// <summary>
    /// Writes a checkpoint of run <paramref name="runId"/>; when its weights are finite it becomes the latest. Keeps the
    /// newest <paramref name="keep"/> checkpoints and, always, the latest one (the last known good).
    /// </summary>
    public SavedCheckpoint Save(CheckpointState state, DcganGenerator generator, DcganDiscriminator discriminator, OptimizerHelper optimizerG, OptimizerHelper optimizerD, int keep, string? runId)
    {
        Directory.CreateDirectory(run.CheckpointsPath);
        var name = $"step-{state.Step:D8}";
        var final = Path.Combine(run.CheckpointsPath, name);
        var temp = Path.Combine(run.CheckpointsPath, $".{name}.{Guid.NewGuid():N}.tmp");
        bool finite = AllFinite(generator) && AllFinite(discriminator);
        try
        {
            Directory.CreateDirectory(temp);
            using (var stream = File.Create(Path.Combine(temp, GeneratorFile))) generator.save(stream);
            using (var stream = File.Create(Path.Combine(temp, DiscriminatorFile))) discriminator.save(stream);
            SaveOptimizer(optimizerG, Path.Combine(temp, GeneratorOptimizerFile));
            SaveOptimizer(optimizerD, Path.Combine(temp, DiscriminatorOptimizerFile));
            File.WriteAllText(Path.Combine(temp, StateFile), JsonSerializer.Serialize(state, RunFolder.Json));
            var manifest = new CheckpointManifest(runId, finite, CheckedFiles.ToDictionary(f => f, f => Sha256Of(Path.Combine(temp, f))));
            File.WriteAllText(Path.Combine(temp, ManifestFile), JsonSerializer.Serialize(manifest, RunFolder.Json));
            if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
            Directory.Move(temp, final);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDeleteDirectory(temp);
            throw new IOException($"cannot write checkpoint {final}: {e.Message}", e);
        }
        if (finite) AtomicFile.WriteAllText(LatestPath, JsonSerializer.Serialize(new { checkpoint = name }, RunFolder.Json));
        Prune(keep, name);
        return new SavedCheckpoint(final, finite);
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

    /// <summary>
    /// The checkpoint an export reads: <paramref name="checkpoint"/>, or the run's latest when null. A checkpoint whose
    /// manifest names another run than <paramref name="config"/>'s is refused (an export describes it with this run's config).
    /// </summary>
    public string ForExport(string? checkpoint, RunConfig config)
    {
        checkpoint ??= LatestPathOrNull() ?? throw new RunException(run.CheckpointsPath, "holds no checkpoint to export");
        if (ReadManifest(checkpoint)?.RunId is { } checkpointRun && config.RunId is { } runId && checkpointRun != runId)
            throw new RunException(checkpoint, name => $"belongs to another run (run id {checkpointRun}), not to {run.Root} (run id {runId}); export it with {name(RunFolder.SettingName)} set to its own run folder");
        return checkpoint;
    }

    /// <summary>True when the run holds at least one checkpoint folder (whatever <c>latest.json</c> says).</summary>
    public bool HasCheckpoints => Directory.Exists(run.CheckpointsPath) && Directory.EnumerateDirectories(run.CheckpointsPath, "step-*").Any();

    /// <summary>
    /// The checkpoint to resume from: the one <c>latest.json</c> names or, when it is missing or corrupt, the newest
    /// folder; a checkpoint that fails its integrity check (<see cref="Verify"/>) is passed over for the previous one.
    /// Every checkpoint passed over, and a missing <c>latest.json</c>, is reported through <paramref name="notice"/>.
    /// Null when the run has no checkpoint; an error when it has some but none is intact.
    /// </summary>
    public string? FindResumable(Action<string>? notice = null)
    {
        var folders = Directory.Exists(run.CheckpointsPath)
            ? Directory.EnumerateDirectories(run.CheckpointsPath, "step-*").Select(Path.GetFileName).OfType<string>().OrderByDescending(n => n, StringComparer.Ordinal).ToList()
            : [];
        if (folders.Count == 0) return null;
        string? latest = null;
        try
        {
            latest = LatestPathOrNull() is { } path ? Path.GetFileName(path) : null;
            if (latest is null) notice?.Invoke($"{LatestPath} is missing; resuming from the newest intact checkpoint instead");
        }
        catch (RunException e)
        {
            notice?.Invoke($"{e.Message}; resuming from the newest intact checkpoint instead");
        }
        // Checkpoints newer than the one latest.json names were written with non-finite weights: never resumed from.
        var candidates = latest is null ? folders : folders.Where(n => string.CompareOrdinal(n, latest) <= 0).ToList();
        foreach (var name in candidates)
        {
            var checkpoint = Path.Combine(run.CheckpointsPath, name);
            try
            {
                Verify(checkpoint);
                ReadState(checkpoint);
                return checkpoint;
            }
            catch (RunException e)
            {
                notice?.Invoke($"{e.Message}; passing over this checkpoint for the previous one");
            }
        }
        throw new RunException(run.CheckpointsPath, "holds no intact checkpoint to resume from; delete the run folder to start again");
    }

    /// <summary>
    /// Checks a checkpoint against its <c>manifest.json</c>: every file present with the SHA-256 recorded, and weights
    /// that were finite when written. Checkpoints written before manifests existed (no <c>manifest.json</c>) pass unchecked.
    /// </summary>
    public static void Verify(string checkpoint)
    {
        var manifest = ReadManifest(checkpoint);
        if (manifest is null) return;
        if (!manifest.WeightsFinite) throw new RunException(checkpoint, "holds non-finite weights (training had diverged when it was written)");
        foreach (var file in CheckedFiles)
        {
            var path = Path.Combine(checkpoint, file);
            if (!manifest.Sha256.TryGetValue(file, out var expected)) throw new RunException(Path.Combine(checkpoint, ManifestFile), $"records no checksum of {file}");
            if (!File.Exists(path)) throw new RunException(path, "not found: the checkpoint is incomplete");
            if (!string.Equals(Sha256Of(path), expected, StringComparison.OrdinalIgnoreCase))
                throw new RunException(path, $"is corrupt: its SHA-256 differs from the one recorded in {ManifestFile}");
        }
    }

    /// <summary>Reads a checkpoint's <c>manifest.json</c>; null for a checkpoint written before manifests existed.</summary>
    public static CheckpointManifest? ReadManifest(string checkpoint)
    {
        var path = Path.Combine(checkpoint, ManifestFile);
        if (!Directory.Exists(checkpoint)) throw new RunException(checkpoint, "checkpoint folder not found");
        if (!File.Exists(path)) return null;
        try
        {
            var manifest = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllText(path), RunFolder.Json);
            return manifest?.Sha256 is null ? throw new RunException(path, "is incomplete") : manifest;
        }
        catch (JsonException e)
        {
            throw new RunException(path, $"is corrupt ({e.Message})", e);
        }
    }

    /// <summary>
    /// Deletes what a killed process can leave behind: half-written checkpoint folders (<c>checkpoints/.step-*.tmp</c>)
    /// and temporary files of the run's atomically written files. Call only while holding the run's <see cref="RunLock"/>.
    /// </summary>
    public void RemoveOrphans()
    {
        if (Directory.Exists(run.CheckpointsPath))
        {
            foreach (var folder in Directory.EnumerateDirectories(run.CheckpointsPath, ".step-*.tmp")) TryDeleteDirectory(folder);
            foreach (var file in Directory.EnumerateFiles(run.CheckpointsPath, ".latest.json.*.tmp")) TryDeleteFile(file);
        }
        if (Directory.Exists(run.Root))
        {
            foreach (var pattern in new[] { ".config.json.*.tmp", ".metrics.csv.*.tmp" })
                foreach (var file in Directory.EnumerateFiles(run.Root, pattern)) TryDeleteFile(file);
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
    /// Verifies a checkpoint (<see cref="Verify"/>) and loads its networks (and, when given, optimizers) into the modules
    /// passed, which must have been built for the checkpoint's configuration; a checkpoint of another configuration is an
    /// error naming both.
    /// </summary>
    public static CheckpointState Load(string checkpoint, DcganGenerator? generator, DcganDiscriminator? discriminator, OptimizerHelper? optimizerG = null, OptimizerHelper? optimizerD = null)
    {
        Verify(checkpoint);
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

    /// <summary>Deletes all but the newest <paramref name="keep"/> checkpoints (counting <paramref name="newest"/>), never the one latest.json names.</summary>
    private void Prune(int keep, string newest)
    {
        string? lastGood;
        try { lastGood = Path.GetFileName(LatestPathOrNull()); }
        catch (RunException) { lastGood = null; }
        var old = Directory.EnumerateDirectories(run.CheckpointsPath, "step-*")
            .Select(Path.GetFileName).OfType<string>()
            .Where(n => n != newest)
            .OrderByDescending(n => n, StringComparer.Ordinal)
            .Skip(keep - 1)
            .Where(n => n != lastGood);
        foreach (var name in old) TryDeleteDirectory(Path.Combine(run.CheckpointsPath, name));
    }

    private static bool AllFinite(nn.Module module)
    {
        using var scope = NewDisposeScope();
        return module.parameters().Concat(module.buffers()).All(t => !t.is_floating_point() || t.isfinite().all().item<bool>());
    }

    private static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static void TryDeleteDirectory(string path)
    {
        try { if (Directory.Exists(path)) Directory.Delete(path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static void TryDeleteFile(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
