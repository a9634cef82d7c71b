using System.Buffers.Binary;
using System.Numerics;
using Google.Protobuf;
using MlnetGan.Data;
using TorchSharp.Modules;

namespace MlnetGan.Gan;

/// <summary>One record of a TensorBoard event file, decoded as far as MlnetGan needs: the step and the summary values.</summary>
/// <param name="Step">The event's global step.</param>
/// <param name="WallTime">Seconds since the Unix epoch.</param>
/// <param name="Scalars">Scalar summary values by tag.</param>
/// <param name="ImageTags">Tags of image summary values.</param>
/// <param name="Record">The whole record (length, CRCs, payload) as stored.</param>
public sealed record TensorBoardEvent(long Step, double WallTime, IReadOnlyDictionary<string, float> Scalars, IReadOnlyList<string> ImageTags, byte[] Record);

/// <summary>
/// A run's TensorBoard view (<c>&lt;run&gt;/tensorboard</c>): the metrics rows as scalars (loss/D, loss/G, D/x, D/G_z
/// before and after D's update, throughput/images_per_s) and each epoch's sample grid as an image, written with TorchSharp's
/// <c>SummaryWriter</c> (<c>tensorboard --logdir runs</c> shows every run). TensorBoard's record format is a little-endian
/// uint64 payload length, its masked CRC-32C, the payload (an <c>Event</c> protobuf) and the payload's masked CRC-32C;
/// <see cref="Read"/> checks both CRCs. On resume <see cref="TruncateAfter"/> drops what was logged after the checkpoint, so
/// no step appears twice.
/// </summary>
public sealed class TensorBoardLog
{
    /// <summary>Scalar tags, in the order of the metrics row's values.</summary>
    public static IReadOnlyList<string> ScalarTags { get; } = ["loss/D", "loss/G", "D/x", "D/G_z_before_D_update", "D/G_z_after_D_update", "throughput/images_per_s"];

    /// <summary>Tag of the per-epoch sample grids.</summary>
    public const string SamplesTag = "samples/G_z_fixed_noise";

    private readonly SummaryWriter writer;

    /// <summary>Opens a new event file in <paramref name="directory"/> (TorchSharp names it by time, host and process).</summary>
    public TensorBoardLog(string directory) => writer = TorchSharp.torch.utils.tensorboard.SummaryWriter(directory);

    /// <summary>Logs a metrics row's values at its step.</summary>
    public void Append(MetricsRow row)
    {
        double[] values = [row.LossD, row.LossG, row.DReal, row.DFakeBeforeUpdate, row.DFakeAfterUpdate, row.ImagesPerSecond];
        for (int i = 0; i < values.Length; i++) writer.add_scalar(ScalarTags[i], (float)values[i], Step(row.Step));
    }

    /// <summary>Logs a sample grid PNG at <paramref name="step"/>.</summary>
    public void AppendImage(string pngPath, long step) => writer.add_img(SamplesTag, pngPath, Step(step));

    /// <summary>Every event of every event file in <paramref name="directory"/>, file by file (in name order), record by record.</summary>
    public static IReadOnlyList<TensorBoardEvent> ReadAll(string directory) =>
        Directory.Exists(directory) ? EventFiles(directory).SelectMany(Read).ToList() : [];

    /// <summary>
    /// Reads an event file, checking each record's length and payload CRCs; throws <see cref="RunException"/> naming the
    /// file at a corrupt or cut record.
    /// </summary>
    public static IEnumerable<TensorBoardEvent> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int offset = 0;
        while (offset < bytes.Length)
        {
            if (bytes.Length - offset < 12) throw new RunException(path, $"ends inside a record header at byte {offset}");
            var header = bytes.AsSpan(offset, 8);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(header);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 8, 4)) != MaskedCrc32C(header))
                throw new RunException(path, $"has a record whose length CRC does not match at byte {offset}");
            if (length > (ulong)(bytes.Length - offset - 16)) throw new RunException(path, $"ends inside the record at byte {offset}");
            var payload = bytes.AsSpan(offset + 12, (int)length);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 12 + (int)length, 4)) != MaskedCrc32C(payload))
                throw new RunException(path, $"has a record whose payload CRC does not match at byte {offset}");
            int size = 16 + (int)length;
            yield return Decode(payload, bytes.AsSpan(offset, size).ToArray());
            offset += size;
        }
    }

    /// <summary>
    /// Rewrites every event file in <paramref name="directory"/> without the events after <paramref name="step"/> (the
    /// file-version header of each file, at step 0, stays). Each file is replaced atomically.
    /// </summary>
    public static void TruncateAfter(string directory, long step)
    {
        if (!Directory.Exists(directory)) return;
        foreach (var file in EventFiles(directory))
        {
            var events = Read(file).ToList();
            if (events.All(e => e.Step <= step)) continue;
            AtomicFile.WriteAllBytes(file, events.Where(e => e.Step <= step).SelectMany(e => e.Record).ToArray());
        }
    }

    /// <summary>TensorBoard's masked CRC-32C (Castagnoli): the CRC rotated right by 15 bits plus 0xa282ead8.</summary>
    public static uint MaskedCrc32C(ReadOnlySpan<byte> data)
    {
        uint crc = ~0u;
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        crc = ~crc;
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }

    private static IEnumerable<string> EventFiles(string directory) =>
        Directory.GetFiles(directory, "events.out.tfevents.*").Order(StringComparer.Ordinal);

    private static int Step(long step) => checked((int)step);

    /// <summary>Decodes the Event fields used here: wall_time (1), step (2), summary (5) with its values' tag (1), simple_value (2) and image (4).</summary>
    private static TensorBoardEvent Decode(ReadOnlySpan<byte> payload, byte[] record)
    {
        var input = new CodedInputStream(payload.ToArray());
        double wallTime = 0;
        long step = 0;
        var scalars = new Dictionary<string, float>();
        var images = new List<string>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Fixed64: wallTime = input.ReadDouble(); break;
                case 2 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint: step = input.ReadInt64(); break;
                case 5 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited: DecodeSummary(input.ReadBytes(), scalars, images); break;
                default: input.SkipLastField(); break;
            }
        }
        return new TensorBoardEvent(step, wallTime, scalars, images, record);
    }

    private static void DecodeSummary(ByteString summary, Dictionary<string, float> scalars, List<string> images)
    {
        var input = summary.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) != 1 || WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
            {
                input.SkipLastField();
                continue;
            }
            var value = input.ReadBytes().CreateCodedInput();
            string name = "";
            float? simple = null;
            bool image = false;
            uint field;
            while ((field = value.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(field))
                {
                    case 1: name = value.ReadString(); break;
                    case 2 when WireFormat.GetTagWireType(field) == WireFormat.WireType.Fixed32: simple = value.ReadFloat(); break;
                    case 4: image = true; value.SkipLastField(); break;
                    default: value.SkipLastField(); break;
                }
            }
            if (simple is { } v) scalars[name] = v;
            if (image) images.Add(name);
        }
    }
}
