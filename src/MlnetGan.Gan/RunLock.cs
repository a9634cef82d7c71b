namespace MlnetGan.Gan;

/// <summary>
/// Ownership of a run folder: an exclusive OS lock on its <c>run.lock</c> file, so that one process at a time trains into
/// it. The operating system releases the lock when the process ends, however it ends, so a killed run never blocks the
/// next one. Within one process the lock is re-entrant: the CLI holds it for a whole command and the trainer takes it again.
/// </summary>
public sealed class RunLock : IDisposable
{
    /// <summary>The lock file's name inside the run folder.</summary>
    public const string FileName = "run.lock";

    private static readonly Dictionary<string, (FileStream Stream, int Holders)> Held = new(StringComparer.Ordinal);
    private readonly string root;
    private bool disposed;

    private RunLock(string root) => this.root = root;

    /// <summary>
    /// Creates the run folder if needed and locks it; a folder locked by another process is a <see cref="RunException"/>
    /// naming it.
    /// </summary>
    public static RunLock Acquire(RunFolder run)
    {
        lock (Held)
        {
            if (Held.TryGetValue(run.Root, out var entry))
            {
                Held[run.Root] = (entry.Stream, entry.Holders + 1);
                return new RunLock(run.Root);
            }
            var path = Path.Combine(run.Root, FileName);
            FileStream stream;
            try
            {
                Directory.CreateDirectory(run.Root);
                stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e) when (File.Exists(path) && e is not FileNotFoundException and not DirectoryNotFoundException)
            {
                throw new RunException(run.Root, name => $"is in use by another process (it holds {path}); wait for it to finish or choose another {name(RunFolder.SettingName)}", e);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new RunException(run.Root, $"cannot be locked for training ({e.Message})", e);
            }
            Held[run.Root] = (stream, 1);
            return new RunLock(run.Root);
        }
    }

    /// <summary>Releases this hold; the OS lock goes with the last one.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        lock (Held)
        {
            var (stream, holders) = Held[root];
            if (holders > 1)
            {
                Held[root] = (stream, holders - 1);
                return;
            }
            Held.Remove(root);
            stream.Dispose();
        }
    }
}
