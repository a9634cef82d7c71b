using System.Globalization;

namespace MlnetGan.Data;

/// <summary>
/// How an exported discriminator's BatchNorm statistics were made: the running averages kept during training, or
/// recomputed as averages over <see cref="Batches"/> random batches of <see cref="BatchSize"/> training images.
/// A baseline featurized beside a model makes its statistics the same way.
/// </summary>
public sealed record BatchNormRecipe
{
    private BatchNormRecipe(int? batches, int? batchSize)
    {
        Batches = batches;
        BatchSize = batchSize;
    }

    /// <summary>The running averages kept during training.</summary>
    public static BatchNormRecipe Running { get; } = new(null, null);

    /// <summary>Statistics recomputed over <paramref name="batches"/> batches of <paramref name="batchSize"/> training images.</summary>
    /// <param name="batches">Batches averaged (at least 1).</param>
    /// <param name="batchSize">Images per batch (at least 2).</param>
    public static BatchNormRecipe Recompute(int batches, int batchSize)
    {
        if (batches < 1) throw new ArgumentOutOfRangeException(nameof(batches), batches, "BatchNorm recomputation needs at least one batch");
        if (batchSize < 2) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "BatchNorm recomputation needs batches of at least two images");
        return new BatchNormRecipe(batches, batchSize);
    }

    /// <summary>Whether the statistics were recomputed (else they are the running averages).</summary>
    public bool IsRecomputed => Batches is not null;

    /// <summary>Batches averaged; null for the running averages.</summary>
    public int? Batches { get; }

    /// <summary>
    /// Images per batch; null for the running averages, and for a recomputation recorded before MlnetGan recorded the
    /// batch size.
    /// </summary>
    public int? BatchSize { get; }

    /// <summary>The short form of the metadata and of test-accuracy.json: <c>running</c> or <c>recompute:N</c>.</summary>
    public override string ToString() => Batches is { } n ? FormattableString.Invariant($"recompute:{n}") : "running";

    /// <summary>Reads the short form (<see cref="ToString"/>) and, for a recomputation, its batch size when recorded.</summary>
    /// <param name="value"><c>running</c> or <c>recompute:N</c>.</param>
    /// <param name="batchSize">The recorded batch size, or null.</param>
    /// <exception cref="FormatException">The text is neither form, or a number is not a positive whole number.</exception>
    public static BatchNormRecipe Parse(string value, string? batchSize)
    {
        if (value == "running") return Running;
        const string prefix = "recompute:";
        if (!value.StartsWith(prefix, StringComparison.Ordinal) || !TryPositive(value[prefix.Length..], out var batches))
            throw new FormatException($"'{value}' is neither 'running' nor 'recompute:N'");
        if (batchSize is null) return new BatchNormRecipe(batches, null);
        if (!TryPositive(batchSize, out var size) || size < 2) throw new FormatException($"batch size '{batchSize}' is not a whole number of at least 2");
        return new BatchNormRecipe(batches, size);
    }

    private static bool TryPositive(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;
}
