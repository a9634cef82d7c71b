namespace MlnetGan.Notebooks.Tests;

/// <summary>Paths of the repository the tests were built from, and a way to run the dotnet CLI in it.</summary>
internal static class Repository
{
    public static string Root { get; } = RepositoryVersions.FindRoot(AppContext.BaseDirectory);

    public static string Notebooks => Path.Combine(Root, "notebooks");

    /// <summary>The build configuration the tests run in (the libraries to pack were built the same way).</summary>
    public static string Configuration => AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";

    /// <summary>The library packages the notebooks reference.</summary>
    public static string[] Libraries { get; } = ["MlnetGan.Data", "MlnetGan.Gan", "MlnetGan.Onnx", "MlnetGan.ML", "MlnetGan.Workflows"];

    /// <summary>
    /// Packs the libraries as built for the tests into <paramref name="folder"/>, at the version they were built with
    /// (MinVer would otherwise take the version of the current commit, which may be newer than the build).
    /// </summary>
    public static void PackLibraries(string folder)
    {
        foreach (var library in Libraries)
            Dotnet(Root, "pack", Path.Combine("src", library, library + ".csproj"), "-c", Configuration, "--no-build", "-o", folder,
                $"-p:MinVerVersionOverride={MlnetGan.Gan.VersionInfo.Version}");
    }

    /// <summary>Runs <c>dotnet</c> with <paramref name="args"/> in <paramref name="directory"/>; fails the test with its output on a non-zero exit.</summary>
    public static string Dotnet(string directory, params string[] args)
    {
        var result = ChildProcess.Run("dotnet", args, TimeSpan.FromMinutes(5), directory);
        Assert.True(result.ExitCode == 0, $"dotnet {string.Join(' ', args)} exited with {result.ExitCode}:\n{result.All}");
        return result.All;
    }
}
