using System.Globalization;
using MlnetGan.Data;

namespace MlnetGan.Gan;

/// <summary>
/// One row of <c>metrics.csv</c>: means over the steps since the previous row. D(G(z)) before and after D's update are the
/// CSV's <c>d_g_z1</c> and <c>d_g_z2</c>, the names of PyTorch's DCGAN example.
/// </summary>
public sealed record MetricsRow(long Step, int Epoch, double LossD, double LossG, double DReal, double DFakeBeforeUpdate, double DFakeAfterUpdate, double ImagesPerSecond);

/// <summary>Sums the losses of the steps of one metrics interval; <see cref="TakeRow"/> turns them into their means.</summary>
public sealed class MetricsAccumulator
{
    private double lossD, lossG, dReal, dFakeBeforeUpdate, dFakeAfterUpdate;

    /// <summary>Steps added since the last row.</summary>
    public int Steps { get; private set; }

    /// <summary>Adds one step's losses.</summary>
    public void Add(StepLosses losses)
    {
        lossD += losses.LossD;
        lossG += losses.LossG;
        dReal += losses.DReal;
        dFakeBeforeUpdate += losses.DFakeBeforeUpdate;
        dFakeAfterUpdate += losses.DFakeAfterUpdate;
        Steps++;
    }

    /// <summary>The means of the interval as the row of <paramref name="step"/>, and a fresh start for the next interval.</summary>
    public MetricsRow TakeRow(long step, int epoch, double imagesPerSecond)
    {
        if (Steps == 0) throw new InvalidOperationException("no step was added since the last metrics row");
        var row = new MetricsRow(step, epoch, lossD / Steps, lossG / Steps, dReal / Steps, dFakeBeforeUpdate / Steps, dFakeAfterUpdate / Steps, imagesPerSecond);
        lossD = lossG = dReal = dFakeBeforeUpdate = dFakeAfterUpdate = 0;
        Steps = 0;
        return row;
    }
}

/// <summary>The run's <c>metrics.csv</c>: a header, then one row per metrics interval.</summary>
public sealed class MetricsLog(string path)
{
    /// <summary>The header line.</summary>
    public const string Header = "step,epoch,loss_d,loss_g,d_x,d_g_z1,d_g_z2,images_per_s";

    /// <summary>Appends a row (creating the file with its header first).</summary>
    public void Append(MetricsRow row)
    {
        if (!File.Exists(path)) AtomicFile.WriteAllText(path, Header + "\n");
        File.AppendAllText(path, Format(row) + "\n");
    }

    /// <summary>
    /// Drops rows after <paramref name="step"/> (used on resume, so the log matches the checkpoint); atomic. A last line
    /// without its line end (a row cut short by a crash) is dropped too; a malformed line elsewhere is an error.
    /// </summary>
    public void TruncateAfter(long step)
    {
        if (!File.Exists(path)) return;
        var kept = Read(dropUnfinishedLastLine: true).Where(r => r.Step <= step).Select(Format);
        AtomicFile.WriteAllText(path, string.Join("\n", kept.Prepend(Header)) + "\n");
    }

    /// <summary>All rows.</summary>
    public IReadOnlyList<MetricsRow> Read() => Read(dropUnfinishedLastLine: false);

    private List<MetricsRow> Read(bool dropUnfinishedLastLine)
    {
        if (!File.Exists(path)) return [];
        var text = File.ReadAllText(path);
        var lines = text.Split('\n');
        // Every complete row ends with a line end, so the text after the last one is empty unless a write was cut short.
        lines = dropUnfinishedLastLine || lines[^1].Length == 0 ? lines[..^1] : lines;
        if (lines.Length == 0 || lines[0] != Header) throw new RunException(path, $"does not start with the header '{Header}'");
        var rows = new List<MetricsRow>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var f = lines[i].Split(',');
            if (f.Length != 8) throw new RunException(path, $"line {i + 1} has {f.Length} fields, not 8");
            try
            {
                rows.Add(new MetricsRow(long.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture),
                    D(f[2]), D(f[3]), D(f[4]), D(f[5]), D(f[6]), D(f[7])));
            }
            catch (FormatException e)
            {
                throw new RunException(path, $"line {i + 1} is not numeric ({e.Message})", e);
            }
        }
        return rows;

        static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);
    }

    private static string Format(MetricsRow r) => string.Join(',',
        r.Step.ToString(CultureInfo.InvariantCulture), r.Epoch.ToString(CultureInfo.InvariantCulture),
        F(r.LossD), F(r.LossG), F(r.DReal), F(r.DFakeBeforeUpdate), F(r.DFakeAfterUpdate), r.ImagesPerSecond.ToString("F1", CultureInfo.InvariantCulture));

    private static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
