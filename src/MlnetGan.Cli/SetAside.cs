namespace MlnetGan.Cli;

/// <summary>
/// Moves an existing folder aside (to a sibling <c>&lt;name&gt;.previous-&lt;id&gt;</c>) so a new one can be written in
/// its place: <see cref="Discard"/> deletes the old one once the new one is complete; otherwise disposing removes the
/// partial new folder and puts the old one back. A process killed outright leaves the old folder beside, not lost.
/// </summary>
internal sealed class SetAside : IDisposable
{
    private readonly string original;
    private readonly string? aside;
    private bool discard;

    private SetAside(string original, string? aside) => (this.original, this.aside) = (original, aside);

    /// <summary>Sets <paramref name="path"/> aside when it is a folder; otherwise nothing is moved.</summary>
    public static SetAside Folder(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (!Directory.Exists(full)) return new SetAside(full, null);
        var aside = $"{full}.previous-{Guid.NewGuid():N}";
        Directory.Move(full, aside);
        return new SetAside(full, aside);
    }

    /// <summary>The new folder is complete: delete the old one when disposing.</summary>
    public void Discard() => discard = true;

    /// <inheritdoc />
    public void Dispose()
    {
        if (aside is null) return;
        if (discard)
        {
            Directory.Delete(aside, recursive: true);
            return;
        }
        if (Directory.Exists(original)) Directory.Delete(original, recursive: true);
        Directory.Move(aside, original);
    }
}
