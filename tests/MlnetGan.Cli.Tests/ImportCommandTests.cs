using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MlnetGan.Data;
using MlnetGan.Gan;

namespace MlnetGan.Cli.Tests;

/// <summary>
/// <c>mlnetgan import</c> and <c>export --format pytorch</c> in child processes, on state dicts written by real PyTorch
/// (the fixtures of MlnetGan.Gan.Tests, Fixtures/pytorch/README.md there).
/// </summary>
public class ImportCommandTests
{
    private const float Tolerance = 1e-4f;

    [Theory]
    [MemberData(nameof(PyTorchFixture.Variants), MemberType = typeof(PyTorchFixture))]
    public void ImportedRunExportsPyTorchsFeaturesAndSamples(string variant)
    {
        var fixture = PyTorchFixture.Load(variant);
        using var dir = new TempDirectory();
        var run = dir.Combine("runs", "imported");

        var import = CliRunner.Run("import", "--generator", fixture.Generator, "--discriminator", fixture.Discriminator, "--out", run);

        Assert.True(import.ExitCode == 0, import.All);
        var config = new RunFolder(run).ReadConfig();
        Assert.Equal(new DcganConfig { ImageSize = 64, Channels = fixture.Channels, Nz = fixture.Nz, Ngf = fixture.Ngf, Ndf = fixture.Ndf }, config.Model);
        var (features, score) = Featurize(Path.Combine(run, RunFolder.DiscriminatorFileName), fixture);
        AssertClose(fixture.Features, features);
        AssertClose(fixture.Logits.Select(l => 1 / (1 + MathF.Exp(-l))).ToArray(), score);
        var sample = CliRunner.Run("sample", "--run", run, "--count", "4", "--out", dir.Combine("grid.png"));
        Assert.True(sample.ExitCode == 0, sample.All);
        Assert.Equal([dir.Combine("runs", "imported")], Directory.GetDirectories(dir.Combine("runs"))); // no temporary folder left beside it
    }

    [Fact]
    public void PyTorchExportImportsBackBitForBitWithTheSameFeatures()
    {
        var fixture = PyTorchFixture.Load("rgb64");
        using var dir = new TempDirectory();
        var first = dir.Combine("first");
        Assert.Equal(0, CliRunner.Run("import", "--generator", fixture.Generator, "--discriminator", fixture.Discriminator, "--out", first).ExitCode);

        var export = CliRunner.Run("export", "--run", first, "--format", "pytorch", "--out", dir.Combine("pytorch"));
        var second = dir.Combine("second");
        var import = CliRunner.Run("import", "--generator", dir.Combine("pytorch", "netG.pth"), "--discriminator", dir.Combine("pytorch", "netD.pth"), "--out", second);

        Assert.True(export.ExitCode == 0, export.All);
        Assert.True(import.ExitCode == 0, import.All);
        AssertSameStateDict(fixture.Generator, dir.Combine("pytorch", "netG.pth"));
        AssertSameStateDict(fixture.Discriminator, dir.Combine("pytorch", "netD.pth"));
        Assert.Equal(Featurize(Path.Combine(first, RunFolder.DiscriminatorFileName), fixture).Features,
            Featurize(Path.Combine(second, RunFolder.DiscriminatorFileName), fixture).Features);
    }

    [Fact]
    public void A32x32RunGoesToPyTorchAndBackAndResumesTraining()
    {
        using var dir = new TempDirectory();
        var images = dir.Combine("images");
        ImageFolderReader.WriteClassFolders(BuiltinShapes.GenerateSplit(1, 0, 128, 32, 3), images);
        var run = dir.Combine("run");
        var train = CliRunner.Run("train", "--data", images, "--out", run, "--epochs", "1", "--ngf", "4", "--ndf", "4", "--nz", "8", "--batch-size", "32", "--device", "cpu");
        Assert.True(train.ExitCode == 0, train.All);

        var export = CliRunner.Run("export", "--run", run, "--format", "pytorch");
        var back = dir.Combine("back");
        var import = CliRunner.Run("import", "--generator", Path.Combine(run, "pytorch", "netG.pth"), "--discriminator", Path.Combine(run, "pytorch", "netD.pth"), "--out", back);

        Assert.True(export.ExitCode == 0, export.All);
        Assert.True(import.ExitCode == 0, import.All);
        Assert.Equal(new RunFolder(run).ReadConfig().Model, new RunFolder(back).ReadConfig().Model);
        var probe = PyTorchFixture.Probe(3 * 3 * 32 * 32, 7919);
        Assert.Equal(Featurize(Path.Combine(run, RunFolder.DiscriminatorFileName), probe, 3, 32).Features, Featurize(Path.Combine(back, RunFolder.DiscriminatorFileName), probe, 3, 32).Features);

        // The imported run trains on here (fresh Adam states, the default batch of 128): its own dataset is unknown, so the images are named and allowed to differ.
        var resume = CliRunner.Run("train", "--out", back, "--resume", "--data", images, "--allow-different-data", "--epochs", "1", "--device", "cpu");
        Assert.True(resume.ExitCode == 0, resume.All);
        Assert.Equal(1, CheckpointStore.ReadState(new CheckpointStore(new RunFolder(back)).LatestPathOrNull()!).Step);
    }

    [Theory]
    [InlineData("rgb64/netD.pth", "rgb64/netG.pth", "", "netD.pth")]                        // the files swapped
    [InlineData("rgb64/netG.pth", "gray64/netD.pth", "", "rgb64/netG.pth")]                   // two models that do not belong together
    [InlineData("rgb64/netG.pth", "rgb64/netD.pth", "--ngf 8", "rgb64/netG.pth")]             // a shape other than the settings given
    [InlineData("gray64/netG.pth", "foreign/netD-missing-running-var.pth", "", "netD-missing-running-var.pth")]
    [InlineData("gray64/netG.pth", "foreign/resnet_like.pth", "", "resnet_like.pth")]         // an unrelated network
    [InlineData("README.md", "gray64/netD.pth", "", "README.md")]                             // not a PyTorch file
    [InlineData("gray64/missing.pth", "gray64/netD.pth", "", "missing.pth")]
    public void AFileThatDoesNotFitGivesOneErrorLineNamingItAndNoRunFolder(string generator, string discriminator, string extra, string named)
    {
        using var dir = new TempDirectory();
        string Fixture(string file) => file == "README.md" ? WriteText(dir.Combine("README.md")) : Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch", file);
        var run = dir.Combine("runs", "x");

        var result = CliRunner.Run(["import", "--generator", Fixture(generator), "--discriminator", Fixture(discriminator), "--out", run, .. extra.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(named, line);
        Assert.False(Directory.Exists(run));
        Assert.True(!Directory.Exists(dir.Combine("runs")) || Directory.GetFileSystemEntries(dir.Combine("runs")).Length == 0, "a temporary folder was left behind");
    }

    [Fact]
    public void AnExistingRunFolderIsRefusedAndKept()
    {
        var fixture = PyTorchFixture.Load("gray64");
        using var dir = new TempDirectory();
        var run = dir.Combine("run");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "notes.txt"), "mine");

        var result = CliRunner.Run("import", "--generator", fixture.Generator, "--discriminator", fixture.Discriminator, "--out", run);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: {run}: already exists and is not empty; choose another --out", result.Error.Trim());
        Assert.Equal(["notes.txt"], Directory.GetFileSystemEntries(run).Select(Path.GetFileName));
    }

    [Fact]
    public void PyTorchExportRefusesTheOnnxOnlyOptions()
    {
        var fixture = PyTorchFixture.Load("gray64");
        using var dir = new TempDirectory();
        var run = dir.Combine("run");
        Assert.Equal(0, CliRunner.Run("import", "--generator", fixture.Generator, "--discriminator", fixture.Discriminator, "--out", run, "--no-export").ExitCode);
        Assert.False(File.Exists(Path.Combine(run, RunFolder.DiscriminatorFileName)));

        var result = CliRunner.Run("export", "--run", run, "--format", "pytorch", "--bn-stats", "recompute");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: --bn-stats applies to --format onnx only", result.Error.Trim());
    }

    private static string WriteText(string path)
    {
        File.WriteAllText(path, "# not a state dict\n");
        return path;
    }

    /// <summary>The features and score of the fixture's probe images under the ONNX model, run with ONNX Runtime.</summary>
    private static (float[] Features, float[] Score) Featurize(string model, PyTorchFixture fixture) => Featurize(model, fixture.Images, fixture.Channels, fixture.ImageSize);

    /// <summary>The features and score of <paramref name="images"/> ([N, C, S, S], planar) under the ONNX model, run with ONNX Runtime.</summary>
    private static (float[] Features, float[] Score) Featurize(string model, float[] images, int channels, int size)
    {
        using var session = new InferenceSession(model);
        var input = new DenseTensor<float>(images, [images.Length / (channels * size * size), channels, size, size]);
        using var outputs = session.Run([NamedOnnxValue.CreateFromTensor("image", input)]);
        return (outputs.Single(o => o.Name == "features").AsTensor<float>().ToArray(), outputs.Single(o => o.Name == "score").AsTensor<float>().ToArray());
    }

    private static void AssertSameStateDict(string expected, string actual)
    {
        using var a = PyTorchWeights.Read(expected);
        using var b = PyTorchWeights.Read(actual);
        Assert.Equal(a.Tensors.Keys.Order(), b.Tensors.Keys.Order());
        foreach (var key in a.Tensors.Keys)
            Assert.True(a.Tensors[key].bytes.SequenceEqual(b.Tensors[key].bytes), $"{key} differs");
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = expected.Zip(actual, (e, v) => Math.Abs(e - v)).Max();
        Assert.True(worst < Tolerance, $"max abs difference {worst} (tolerance {Tolerance})");
    }
}
