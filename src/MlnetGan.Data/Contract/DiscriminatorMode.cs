namespace MlnetGan.Data;

/// <summary>How the exported discriminator was trained (the metadata's <c>mode</c>).</summary>
public enum DiscriminatorMode
{
    /// <summary>An unsupervised DCGAN: one real/fake logit (metadata <c>dcgan</c>).</summary>
    Dcgan,

    /// <summary>A K-class semi-supervised GAN discriminator (metadata <c>semi-supervised</c>).</summary>
    SemiSupervised,

    /// <summary>The same K-class discriminator trained on the labelled images alone (metadata <c>supervised</c>).</summary>
    Supervised,
}

/// <summary>The names of <see cref="DiscriminatorMode"/> in metadata, run configurations and the command line.</summary>
public static class DiscriminatorModes
{
    /// <summary>The name of <paramref name="mode"/>: <c>dcgan</c>, <c>semi-supervised</c> or <c>supervised</c>.</summary>
    /// <param name="mode">The mode to name.</param>
    public static string Name(this DiscriminatorMode mode) => mode switch
    {
        DiscriminatorMode.Dcgan => "dcgan",
        DiscriminatorMode.SemiSupervised => "semi-supervised",
        DiscriminatorMode.Supervised => "supervised",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "not a discriminator mode"),
    };

    /// <summary>The mode named <paramref name="name"/> (see <see cref="Name"/>).</summary>
    /// <param name="name">A mode's name.</param>
    /// <exception cref="FormatException">No mode has that name.</exception>
    public static DiscriminatorMode Parse(string name) => name switch
    {
        "dcgan" => DiscriminatorMode.Dcgan,
        "semi-supervised" => DiscriminatorMode.SemiSupervised,
        "supervised" => DiscriminatorMode.Supervised,
        _ => throw new FormatException($"'{name}' is not a mode (dcgan, semi-supervised or supervised)"),
    };
}
