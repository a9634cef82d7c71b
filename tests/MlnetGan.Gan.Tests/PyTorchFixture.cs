using System.Buffers.Binary;
using System.Text.Json;

namespace MlnetGan.Tests;

/// <summary>
/// One variant of the PyTorch fixtures (Fixtures/pytorch/&lt;name&gt;/, written by make_fixtures.py): main.py's
/// netG.pth and netD.pth, and PyTorch's own outputs for the probe inputs.
/// </summary>
public sealed class PyTorchFixture
{
    private PyTorchFixture(string name)
    {
        Folder = System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch", name);
        using var json = JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(Folder, "expected.json")));
        int Get(string key) => json.RootElement.GetProperty(key).GetInt32();
        (Nz, Ngf, Ndf, Channels, ImageSize) = (Get("nz"), Get("ngf"), Get("ndf"), Get("channels"), Get("imageSize"));
        (DiscriminatorImages, GeneratorLatents) = (Get("discriminatorImages"), Get("generatorLatents"));
    }

    /// <summary>The variants: main.py's 64x64 RGB and grayscale DCGANs, the latter also as saved from DataParallel.</summary>
    public static TheoryData<string> Variants => new() { "rgb64", "gray64", "gray64-dataparallel" };

    public static PyTorchFixture Load(string name) => new(name);

    /// <summary>A file of the foreign state dicts the import must refuse (Fixtures/pytorch/foreign/).</summary>
    public static string Foreign(string file) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch", "foreign", file);

    public string Folder { get; }
    public int Nz { get; }
    public int Ngf { get; }
    public int Ndf { get; }
    public int Channels { get; }
    public int ImageSize { get; }
    public int DiscriminatorImages { get; }
    public int GeneratorLatents { get; }

    public string Generator => System.IO.Path.Combine(Folder, "netG.pth");
    public string Discriminator => System.IO.Path.Combine(Folder, "netD.pth");

    /// <summary>D's input [N, C, S, S], computed as make_fixtures.py's probe_values computes it.</summary>
    public float[] Images => Probe(DiscriminatorImages * Channels * ImageSize * ImageSize, 7919);

    /// <summary>G's input [N, nz, 1, 1], likewise.</summary>
    public float[] Latents => Probe(GeneratorLatents * Nz, 104729);

    /// <summary>PyTorch's D logits [N, 1] (the head, before main.py's Sigmoid).</summary>
    public float[] Logits => Floats("logits.bin");

    /// <summary>PyTorch's D features [N, F]: each LeakyReLU output max-pooled to 4x4, concatenated.</summary>
    public float[] Features => Floats("features.bin");

    /// <summary>PyTorch's G(z) [N, C, S, S].</summary>
    public float[] GeneratedImages => Floats("images.bin");

    /// <summary>((i * multiplier) mod 2001 - 1000) / 1000 for i = 0 .. count - 1, in double and then rounded to float, as in make_fixtures.py.</summary>
    public static float[] Probe(int count, long multiplier) =>
        Enumerable.Range(0, count).Select(i => (float)((i * multiplier % 2001 - 1000) / 1000.0)).ToArray();

    private float[] Floats(string file)
    {
        var bytes = File.ReadAllBytes(System.IO.Path.Combine(Folder, file));
        return Enumerable.Range(0, bytes.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i))).ToArray();
    }
}
