namespace MlnetGan.Gan;

/// <summary>
/// The shape of a DCGAN: image size and channels, latent size and layer widths. With <see cref="NumClasses"/> &gt; 0 the
/// discriminator ends in K class logits (semi-supervised mode) instead of one real/fake logit.
/// </summary>
public sealed record DcganConfig
{
    /// <summary>The widest <see cref="Ngf"/> or <see cref="Ndf"/> accepted (the widest layer is 8 times it; 512 already needs gigabytes).</summary>
    public const int MaxWidth = 512;

    /// <summary>The longest latent vector accepted.</summary>
    public const int MaxNz = 4096;

    /// <summary>Side of the square images: 32 or 64.</summary>
    public int ImageSize { get; init; } = 32;

    /// <summary>Image channels: 1 or 3.</summary>
    public int Channels { get; init; } = 3;

    /// <summary>Length of the latent vector z.</summary>
    public int Nz { get; init; } = 100;

    /// <summary>Width of the generator's last hidden layer; earlier layers are multiples of it.</summary>
    public int Ngf { get; init; } = 64;

    /// <summary>Width of the discriminator's first layer; later layers double it.</summary>
    public int Ndf { get; init; } = 64;

    /// <summary>0 for a DCGAN discriminator (one logit); K &gt; 1 for a K-class semi-supervised discriminator.</summary>
    public int NumClasses { get; init; }

    /// <summary>Number of stride-2 convolution blocks in D (and upsampling blocks in G): log2(ImageSize) - 2.</summary>
    public int BlockCount => ImageSize == 64 ? 4 : 3;

    /// <summary>Outputs of the discriminator head: 1, or K in semi-supervised mode.</summary>
    public int HeadOutputs => NumClasses > 0 ? NumClasses : 1;

    /// <summary>Channels of discriminator block <paramref name="index"/> (0-based): ndf, 2 ndf, 4 ndf, ...</summary>
    public int DiscriminatorWidth(int index) => Ndf << index;

    /// <summary>Spatial side of discriminator block <paramref name="index"/>'s output: ImageSize / 2^(index + 1).</summary>
    public int DiscriminatorSide(int index) => ImageSize >> (index + 1);

    /// <summary>Length of the paper's feature vector: every block max-pooled to 4 x 4, concatenated.</summary>
    public int FeatureLength => Enumerable.Range(0, BlockCount).Sum(i => DiscriminatorWidth(i) * 16);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public DcganConfig Validate()
    {
        if (ImageSize is not (32 or 64)) throw new ArgumentException($"image size must be 32 or 64, not {ImageSize}");
        if (Channels is not (1 or 3)) throw new ArgumentException($"channels must be 1 or 3, not {Channels}");
        if (Nz is < 1 or > MaxNz) throw new ArgumentException($"nz must lie between 1 and {MaxNz}, not {Nz}");
        if (Ngf is < 1 or > MaxWidth) throw new ArgumentException($"ngf must lie between 1 and {MaxWidth}, not {Ngf}");
        if (Ndf is < 1 or > MaxWidth) throw new ArgumentException($"ndf must lie between 1 and {MaxWidth}, not {Ndf}");
        if (NumClasses is < 0 or 1) throw new ArgumentException($"number of classes must be 0 (DCGAN) or at least 2, not {NumClasses}");
        return this;
    }
}
