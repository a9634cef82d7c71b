using System.Globalization;

namespace MlnetGan.Data;

/// <summary>
/// The range an exported discriminator expects its pixels in, and the linear mapping of byte pixels (0..255) onto it.
/// MlnetGan's models use <see cref="Model"/>, [-1, 1]: x / 127.5 - 1.
/// </summary>
public readonly record struct PixelRange
{
    /// <summary>The range [<paramref name="min"/>, <paramref name="max"/>].</summary>
    /// <param name="min">The value of a 0 byte.</param>
    /// <param name="max">The value of a 255 byte, above <paramref name="min"/>.</param>
    public PixelRange(float min, float max)
    {
        if (!(max > min)) throw new ArgumentOutOfRangeException(nameof(max), max, $"a pixel range's maximum must lie above its minimum {min}");
        Min = min;
        Max = max;
        Scale = (max - min) / 255f;
    }

    /// <summary>The range of MlnetGan's models (and of the generator's tanh output): [-1, 1].</summary>
    public static PixelRange Model { get; } = new(-1f, 1f);

    /// <summary>The value of a 0 byte.</summary>
    public float Min { get; }

    /// <summary>The value of a 255 byte.</summary>
    public float Max { get; }

    /// <summary>
    /// Model units per byte step, (Max - Min) / 255: 0.007843138 for [-1, 1]. The featurizer maps a byte x to
    /// <c>x * Scale + Min</c> (<see cref="FromByte"/>), as ML.NET's <c>ExtractPixels</c> does with <c>scaleImage</c>.
    /// </summary>
    public float Scale { get; }

    /// <summary>
    /// Byte steps per model unit, 255 / (Max - Min): 127.5 for [-1, 1]. Training divides, <c>x / BytesPerUnit + Min</c>
    /// (x / 127.5 - 1); the result differs from <see cref="FromByte"/> in the last bits for some bytes.
    /// </summary>
    public double BytesPerUnit => 255.0 / (Max - Min);

    /// <summary>The byte offset ML.NET's <c>ExtractPixels</c> adds before multiplying by <see cref="Scale"/>: -Min / Scale.</summary>
    public float ByteOffset => -Min / Scale;

    /// <summary>A byte pixel (0..255, as float) in the model's range: <c>x * Scale + Min</c>.</summary>
    /// <param name="value">The byte value.</param>
    public float FromByte(float value) => value * Scale + Min;

    /// <summary>
    /// <see cref="FromByte"/> as the lambda of ML.NET's <c>Expression</c> transform (for a vector of 0..255 values):
    /// <c>x => x * 0.007843138 + -1</c> for [-1, 1].
    /// </summary>
    public string FromByteExpression => FormattableString.Invariant($"x => x * {Scale:R} + {Min:R}");

    /// <summary>The metadata form, <c>min,max</c>: <c>-1,1</c>.</summary>
    public override string ToString() => FormattableString.Invariant($"{Min},{Max}");

    /// <summary>Reads the metadata form <c>min,max</c> (max above min).</summary>
    /// <param name="value">The text to read.</param>
    /// <exception cref="FormatException">The text is not <c>min,max</c> with max above min.</exception>
    public static PixelRange Parse(string value)
    {
        var parts = value.Split(',');
        if (parts.Length == 2 && float.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var min)
            && float.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var max) && max > min)
            return new PixelRange(min, max);
        throw new FormatException($"'{value}' is not 'min,max'");
    }
}
