using Microsoft.ML;
using Microsoft.ML.Data;
using MlnetGan.Data;
using MlnetGan.Gan;
using MlnetGan.Onnx;
using static TorchSharp.torch;

namespace MlnetGan.Notebooks.Tests;

/// <summary>The consumer's view: the packed packages restore into a fresh project, and a featurize call works there.</summary>
public class PackageTests
{
    [Fact]
    public void PackedPackagesRestoreIntoAFreshProjectAndFeaturize()
    {
        using var dir = new TempDirectory();
        var packages = Path.Combine(dir.Path, "packages");
        Repository.PackLibraries(packages);
        var version = VersionInfo.Version;
        foreach (var library in Repository.Libraries)
        {
            var package = Path.Combine(packages, $"{library}.{version}.nupkg");
            Assert.True(File.Exists(package), $"{package} was not packed");
            using var zip = System.IO.Compression.ZipFile.OpenRead(package);
            var readme = new StreamReader(zip.Entries.Single(e => e.FullName == "README.md").Open()).ReadToEnd();
            Assert.DoesNotMatch(@"\]\((?!https?://)[^)]+\)", readme); // a gallery renders no repository-relative link or image
            Assert.True(File.Exists(Path.ChangeExtension(package, ".snupkg")), $"{package} has no symbol package");
            var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open()).ReadToEnd();
            Assert.Contains("<license type=\"expression\">MIT</license>", nuspec);
            Assert.Contains("<readme>README.md</readme>", nuspec);
            Assert.Contains("<description>", nuspec);
        }

        var model = Path.Combine(dir.Path, "d.onnx");
        using (var d = new DcganDiscriminator(new DcganConfig { Ndf = 8 }))
        {
            using (var generator = new Generator(2, CPU)) WeightInit.Apply(d, generator);
            d.eval();
            DiscriminatorOnnxExporter.Export(d, new OnnxExportInfo { Dataset = "test" }, model);
        }
        var images = BuiltinShapes.GenerateSplit(3, 0, 5, 32, 3);
        var pixels = Path.Combine(dir.Path, "pixels.txt");
        File.WriteAllLines(pixels, Enumerable.Range(0, images.Count).Select(i => string.Join(' ', images.GetImage(i).ToArray())));

        // A consumer project outside the repository (no Directory.Build.props, no central versions), restoring from the
        // packed folder plus the usual feed.
        var consumer = Path.Combine(dir.Path, "consumer");
        Directory.CreateDirectory(consumer);
        File.WriteAllText(Path.Combine(consumer, "consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <RestoreAdditionalProjectSources>{packages}</RestoreAdditionalProjectSources>
                <RestorePackagesPath>{Path.Combine(dir.Path, "nuget-cache")}</RestorePackagesPath>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="MlnetGan.ML" Version="{version}" />
                <PackageReference Include="Microsoft.ML.OnnxRuntime" Version="1.31.1" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), """
            using Microsoft.ML;
            using Microsoft.ML.Data;
            using MlnetGan.ML;

            var ml = new MLContext();
            var rows = File.ReadAllLines(args[1]).Select(line => new Row { Pixels = line.Split(' ').Select(float.Parse).ToArray() }).ToList();
            var data = ml.Data.LoadFromEnumerable(rows);
            var features = ml.Transforms.ExtractDcganFeatures("Features", args[0], inputColumnName: "Pixels").Fit(data).Transform(data);
            foreach (var vector in features.GetColumn<VBuffer<float>>("Features"))
                Console.WriteLine(string.Join(' ', vector.DenseValues().Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))));

            public sealed class Row
            {
                [VectorType(3 * 32 * 32)]
                public float[] Pixels { get; set; } = [];
            }
            """);
        var output = Repository.Dotnet(consumer, "run", "-c", "Release", "--", model, pixels);

        // Without ONNX Runtime's native library (an application that did not add Microsoft.ML.OnnxRuntime), the first call
        // fails with one message that names the package.
        var binaries = Path.Combine(consumer, "bin", "Release", "net10.0");
        foreach (var native in Directory.GetFiles(binaries, "*onnxruntime*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".dll", StringComparison.Ordinal) || Path.GetFileName(f) == "onnxruntime.dll"))
            File.Delete(native);
        var withoutNative = ChildProcess.Run("dotnet", [Path.Combine(binaries, "consumer.dll"), model, pixels], TimeSpan.FromMinutes(2), consumer);
        Assert.NotEqual(0, withoutNative.ExitCode);
        Assert.Contains("add the package Microsoft.ML.OnnxRuntime (CPU) or Microsoft.ML.OnnxRuntime.Gpu (CUDA)", withoutNative.All);

        var printed = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.Length > 0 && (char.IsDigit(l[0]) || l[0] == '-')).Select(l => l.Split(' ').Select(float.Parse).ToArray()).ToList();
        var ml = new MLContext();
        var expected = FeatureMatrixOf(ml, model, images);
        Assert.Equal(images.Count, printed.Count);
        for (int i = 0; i < images.Count; i++)
        {
            Assert.Equal(expected[i].Length, printed[i].Length);
            for (int j = 0; j < expected[i].Length; j++) Assert.True(Math.Abs(expected[i][j] - printed[i][j]) < 1e-5, $"image {i} feature {j}: {printed[i][j]} vs {expected[i][j]}");
        }
    }

    /// <summary>The other form of every notebook: the file-based app compiles (warnings as errors) with the .NET SDK.</summary>
    [Fact]
    public void EveryNotebookSourceBuildsAsAFileBasedApp()
    {
        foreach (var source in Directory.GetFiles(Repository.Notebooks, "*.cs").Order(StringComparer.Ordinal))
        {
            var output = Repository.Dotnet(Repository.Notebooks, "build", Path.GetFileName(source), "-c", Repository.Configuration);
            Assert.Contains($"{Path.GetFileNameWithoutExtension(source)}.dll", output);
        }
    }

    private static List<float[]> FeatureMatrixOf(MLContext ml, string model, ImageDataset images) => MlnetGan.ML.FeatureMatrix.FromModel(ml, model, images).Rows.ToList();
}
