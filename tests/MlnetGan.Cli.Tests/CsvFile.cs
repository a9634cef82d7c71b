using CsvHelper;

namespace MlnetGan.Cli.Tests;

/// <summary>Reads a CSV file with an RFC 4180 reader (CsvHelper), header included, as the tools that open our outputs would.</summary>
internal static class CsvFile
{
    public static List<string[]> Read(string path)
    {
        using var reader = CsvReader.FromFile(path, new CsvReaderOptions { HasHeader = false });
        var rows = new List<string[]>();
        while (reader.Read()) rows.Add(Enumerable.Range(0, reader.FieldCount).Select(reader.GetString).ToArray());
        return rows;
    }
}
