using System.Globalization;
using MlnetGan.Data;

namespace MlnetGan.Workflows;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/>, written <c>K/N</c> and numbered from 0 (<c>0/4</c> .. <c>3/4</c>, as job
/// arrays number their tasks): the <see cref="Index"/>-th of <see cref="Count"/> contiguous, nearly equal blocks of a
/// dataset's rows in the dataset's own order (<see cref="RowsOf"/>). The same K/N of the same rows is always the same block.
/// </summary>
public sealed record FeatureShard
{
    /// <summary>How an error message names the setting that chooses the shard (see <see cref="ISettingError"/>).</summary>
    public const string SettingName = "Shard";

    /// <summary>Shard <paramref name="index"/> (0 to <paramref name="count"/> - 1) of <paramref name="count"/> (at least 1).</summary>
    /// <exception cref="InvalidSettingException">The numbers do not name a shard.</exception>
    public FeatureShard(int index, int count)
    {
        if (Problem(index, count) is { } problem) throw new InvalidSettingException(name => $"{name(SettingName)}: {problem}");
        Index = index;
        Count = count;
    }

    /// <summary>The shard's number, from 0 to <see cref="Count"/> - 1.</summary>
    public int Index { get; }

    /// <summary>How many shards the rows are cut into.</summary>
    public int Count { get; }

    /// <summary>
    /// The rows of this shard among <paramref name="total"/>: the block from <c>floor(K * total / N)</c> up to (not including)
    /// <c>floor((K + 1) * total / N)</c>. Blocks differ in size by at most one row; with fewer rows than shards some are empty.
    /// </summary>
    public (long First, long Count) RowsOf(long total)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        long first = (long)((Int128)Index * total / Count);
        long end = (long)((Int128)(Index + 1) * total / Count);
        return (first, end - first);
    }

    /// <summary>Parses <c>K/N</c> (whole numbers, K from 0 to N - 1).</summary>
    /// <param name="text">The text, such as <c>2/8</c>.</param>
    /// <param name="shard">The shard, or null.</param>
    /// <param name="problem">Why <paramref name="text"/> names no shard (without the setting's name), or null.</param>
    public static bool TryParse(string text, out FeatureShard? shard, out string? problem)
    {
        shard = null;
        var parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int index)
            || !int.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int count))
        {
            problem = $"'{text}' is not K/N (shard K of N, numbered from 0: 0/4 .. 3/4)";
            return false;
        }
        problem = Problem(index, count);
        if (problem is not null) return false;
        shard = new FeatureShard(index, count);
        return true;
    }

    /// <summary>Parses <c>K/N</c>; throws an <see cref="InvalidSettingException"/> naming the setting when it names no shard.</summary>
    public static FeatureShard Parse(string text) =>
        TryParse(text, out var shard, out var problem) ? shard! : throw new InvalidSettingException(name => $"{name(SettingName)}: {problem}");

    /// <summary><c>K/N</c>.</summary>
    public override string ToString() => $"{Index.ToString(CultureInfo.InvariantCulture)}/{Count.ToString(CultureInfo.InvariantCulture)}";

    private static string? Problem(int index, int count) =>
        count < 1 ? $"{index}/{count} has no shards; N must be at least 1"
        : index < 0 || index >= count ? $"{index}/{count} is out of range; K must be from 0 to {count - 1} (shards are numbered from 0)"
        : null;
}
