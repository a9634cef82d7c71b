using SkiaSharp;

namespace MlnetGan.Data;

/// <summary>How the built-in shapes are drawn (the built-in dataset is <see cref="Textured"/>; the demo draws <see cref="Plain"/>).</summary>
public enum BuiltinStyle
{
    /// <summary>A light shape over a dark plain background, without texture or noise: the same classes, easier for a small, short-trained GAN to draw.</summary>
    Plain,

    /// <summary>Over two-colour gradients with translucent stripes and blobs, plus pixel noise (the built-in dataset).</summary>
    Textured,
}

/// <summary>
/// The embedded default dataset: ten classes of shapes in random colours, sizes, positions and rotations over
/// textured, noisy backgrounds, drawn procedurally with SkiaSharp. Deterministic from a seed; needs no download.
/// Learnable (the class is the shape) but not trivial (colour, position and texture vary independently of it).
/// </summary>
public static class BuiltinShapes
{
    /// <summary>The name the CLI and <see cref="DatasetLoader"/> accept for this dataset.</summary>
    public const string Name = "builtin";

    /// <summary>Class names in label order.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = ["circle", "ring", "square", "frame", "triangle", "cross", "star", "crescent", "bar", "dots"];

    /// <summary>Default number of training images (class-balanced).</summary>
    public const int DefaultTrainCount = 5000;

    /// <summary>Default number of test images (class-balanced).</summary>
    public const int DefaultTestCount = 1000;

    /// <summary>Generates the train and test splits; the test images come from a separate seed stream.</summary>
    public static DatasetSplits Generate(int seed = 0, int trainCount = DefaultTrainCount, int testCount = DefaultTestCount, int size = 32, int channels = 3,
        BuiltinStyle style = BuiltinStyle.Textured) =>
        new(GenerateSplit(seed, split: 0, trainCount, size, channels, style), GenerateSplit(seed, split: 1, testCount, size, channels, style));

    /// <summary>Generates <paramref name="count"/> images of split <paramref name="split"/>; image i has label i mod 10.</summary>
    public static ImageDataset GenerateSplit(int seed, int split, int count, int size, int channels, BuiltinStyle style = BuiltinStyle.Textured) =>
        GenerateRange(seed, split, 0, count, size, channels, style);

    /// <summary>
    /// Images <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> - 1 of split <paramref name="split"/>,
    /// the same as those of <see cref="GenerateSplit"/> (every image has its own seed), so a large split can be made in pieces.
    /// </summary>
    public static ImageDataset GenerateRange(int seed, int split, int start, int count, int size, int channels, BuiltinStyle style = BuiltinStyle.Textured)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be positive");
        if (start < 0 || start > int.MaxValue - count) throw new ArgumentOutOfRangeException(nameof(start), start, "start must be 0 or more");
        if (size < 8) throw new ArgumentOutOfRangeException(nameof(size), size, "size must be at least 8");
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1 or 3");
        int length = channels * size * size;
        var pixels = new byte[(long)count * length];
        var labels = new int[count];
        Parallel.For(0, count, () => new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul)), (i, _, bitmap) =>
        {
            int index = start + i;
            int label = index % ClassNames.Count;
            labels[i] = label;
            var random = new Random(SeedMixer.MixToInt(seed, split, index));
            Draw(bitmap, label, random, style);
            ImageConversion.WritePlanar(bitmap, channels, size, pixels.AsSpan((int)((long)i * length), length));
            return bitmap;
        }, bitmap => bitmap.Dispose());
        return new ImageDataset(pixels, labels, channels, size, size, ClassNames, Name);
    }

    private static void Draw(SKBitmap bitmap, int label, Random random, BuiltinStyle style)
    {
        float s = bitmap.Width;
        SKColor? shapeColor = null;
        using (var canvas = new SKCanvas(bitmap))
        {
            if (style == BuiltinStyle.Plain)
            {
                canvas.Clear(SKColor.FromHsv(360f * random.NextSingle(), 30f + 70f * random.NextSingle(), 5f + 30f * random.NextSingle()));
                shapeColor = SKColor.FromHsv(360f * random.NextSingle(), 20f + 80f * random.NextSingle(), 70f + 30f * random.NextSingle());
            }
            else
            {
                DrawBackground(canvas, s, random);
            }
            float radius = s * (0.22f + 0.14f * random.NextSingle());
            float cx = radius + (s - 2 * radius) * random.NextSingle();
            float cy = radius + (s - 2 * radius) * random.NextSingle();
            canvas.Translate(cx, cy);
            canvas.RotateDegrees(-30f + 60f * random.NextSingle());
            using var paint = new SKPaint { Color = shapeColor ?? RandomColor(random, 255), IsAntialias = true, Style = SKPaintStyle.Fill };
            DrawShape(canvas, label, radius, paint);
        }
        if (style == BuiltinStyle.Textured) AddNoise(bitmap, random, amplitude: 18);
    }

    private static void DrawBackground(SKCanvas canvas, float s, Random random)
    {
        using var gradient = SKShader.CreateLinearGradient(
            new SKPoint(s * random.NextSingle(), 0), new SKPoint(s * random.NextSingle(), s),
            [RandomColor(random, 255), RandomColor(random, 255)], SKShaderTileMode.Clamp);
        using var fill = new SKPaint { Shader = gradient };
        canvas.DrawRect(0, 0, s, s, fill);
        // Low-contrast texture: a few translucent stripes and blobs that carry no class information.
        using var texture = new SKPaint { IsAntialias = true, StrokeWidth = 1 + s / 16 * random.NextSingle(), Style = SKPaintStyle.Stroke };
        int strokes = 2 + random.Next(4);
        for (int k = 0; k < strokes; k++)
        {
            texture.Color = RandomColor(random, (byte)(40 + random.Next(50)));
            canvas.DrawLine(s * random.NextSingle(), s * random.NextSingle(), s * random.NextSingle(), s * random.NextSingle(), texture);
        }
        texture.Style = SKPaintStyle.Fill;
        int blobs = random.Next(3);
        for (int k = 0; k < blobs; k++)
        {
            texture.Color = RandomColor(random, (byte)(40 + random.Next(40)));
            canvas.DrawCircle(s * random.NextSingle(), s * random.NextSingle(), s * (0.05f + 0.08f * random.NextSingle()), texture);
        }
    }

    private static void DrawShape(SKCanvas canvas, int label, float r, SKPaint paint)
    {
        switch (ClassNames[label])
        {
            case "circle":
                canvas.DrawCircle(0, 0, r, paint);
                break;
            case "ring":
                paint.Style = SKPaintStyle.Stroke;
                paint.StrokeWidth = r * 0.35f;
                canvas.DrawCircle(0, 0, r * 0.8f, paint);
                break;
            case "square":
                canvas.DrawRect(-r * 0.8f, -r * 0.8f, r * 1.6f, r * 1.6f, paint);
                break;
            case "frame":
                paint.Style = SKPaintStyle.Stroke;
                paint.StrokeWidth = r * 0.35f;
                canvas.DrawRect(-r * 0.7f, -r * 0.7f, r * 1.4f, r * 1.4f, paint);
                break;
            case "triangle":
                canvas.DrawPath(Polygon(3, r, 0f), paint);
                break;
            case "cross":
                canvas.DrawRect(-r, -r * 0.25f, 2 * r, r * 0.5f, paint);
                canvas.DrawRect(-r * 0.25f, -r, r * 0.5f, 2 * r, paint);
                break;
            case "star":
                canvas.DrawPath(Star(5, r, r * 0.45f), paint);
                break;
            case "crescent":
                using (var outer = new SKPath())
                using (var inner = new SKPath())
                {
                    outer.AddCircle(0, 0, r);
                    inner.AddCircle(r * 0.45f, -r * 0.1f, r * 0.8f);
                    using var crescent = outer.Op(inner, SKPathOp.Difference);
                    if (crescent is not null) canvas.DrawPath(crescent, paint);
                }
                break;
            case "bar":
                canvas.DrawRect(-r, -r * 0.22f, 2 * r, r * 0.44f, paint);
                break;
            case "dots":
                canvas.DrawCircle(-r * 0.6f, -r * 0.45f, r * 0.3f, paint);
                canvas.DrawCircle(r * 0.6f, -r * 0.45f, r * 0.3f, paint);
                canvas.DrawCircle(0, r * 0.6f, r * 0.3f, paint);
                break;
            default:
                throw new InvalidOperationException($"no drawing for class {label}");
        }
    }

    private static SKPath Polygon(int corners, float r, float phase)
    {
        var path = new SKPath();
        for (int k = 0; k < corners; k++)
        {
            double angle = phase + 2 * Math.PI * k / corners - Math.PI / 2;
            var point = new SKPoint((float)(r * Math.Cos(angle)), (float)(r * Math.Sin(angle)));
            if (k == 0) path.MoveTo(point); else path.LineTo(point);
        }
        path.Close();
        return path;
    }

    private static SKPath Star(int points, float outer, float inner)
    {
        var path = new SKPath();
        for (int k = 0; k < 2 * points; k++)
        {
            float r = k % 2 == 0 ? outer : inner;
            double angle = Math.PI * k / points - Math.PI / 2;
            var point = new SKPoint((float)(r * Math.Cos(angle)), (float)(r * Math.Sin(angle)));
            if (k == 0) path.MoveTo(point); else path.LineTo(point);
        }
        path.Close();
        return path;
    }

    private static SKColor RandomColor(Random random, byte alpha) =>
        SKColor.FromHsv(360f * random.NextSingle(), 35f + 65f * random.NextSingle(), 30f + 70f * random.NextSingle()).WithAlpha(alpha);

    private static void AddNoise(SKBitmap bitmap, Random random, int amplitude)
    {
        var pixels = ImageConversion.WritablePixels(bitmap);
        for (int i = 0; i < pixels.Length; i++)
        {
            if (i % 4 == 3) continue;
            pixels[i] = (byte)Math.Clamp(pixels[i] + random.Next(-amplitude, amplitude + 1), 0, 255);
        }
    }
}
