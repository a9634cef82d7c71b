namespace MlnetGan.Data.Tests;

public class AtomicFileTests
{
    [Fact]
    public void ReplacesWholeFileAndLeavesNoTemporaryFiles()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("out.txt");
        AtomicFile.WriteAllText(path, "first");
        AtomicFile.WriteAllText(path, "second");

        Assert.Equal("second", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void FailedWriteKeepsTheOldFileAndNamesThePath()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("out.bin");
        AtomicFile.WriteAllText(path, "old");

        var error = Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[10]);
            throw new IOException("disk full");
        }));

        Assert.Contains(path, error.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void UnwritableDestinationNamesThePath()
    {
        using var dir = new TempDirectory();
        var blocker = dir.Combine("file");
        File.WriteAllText(blocker, "x");
        var path = Path.Combine(blocker, "child.txt");

        var error = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(path, "data"));

        Assert.Contains(path, error.Message);
    }
}
