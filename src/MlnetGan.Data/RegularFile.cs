using System.Runtime.InteropServices;

namespace MlnetGan.Data;

/// <summary>
/// Tells regular files from FIFOs, sockets and devices before they are opened: opening a FIFO blocks until a writer
/// comes, and a device such as <c>/dev/zero</c> never ends. .NET's <see cref="FileAttributes"/> reports all of them as
/// <see cref="FileAttributes.Normal"/>, so on Linux the file type comes from <c>statx(2)</c> (a layout that is the same on
/// every architecture); elsewhere every existing non-directory counts as regular.
/// </summary>
public static class RegularFile
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int StatxModeOffset = 28;
    private const int StatxBufferLength = 256;
    private const int FileTypeMask = 0xF000;
    private const int RegularFileType = 0x8000;

    private static bool statxMissing;

    /// <summary>True when <paramref name="path"/> exists and is (or links to) a regular file.</summary>
    public static bool Is(string path)
    {
        if (!File.Exists(path)) return false;
        if (!OperatingSystem.IsLinux() || statxMissing) return true;
        var buffer = new byte[StatxBufferLength];
        try
        {
            if (Statx(AtFdCwd, path, 0, StatxType, buffer) != 0) return File.Exists(path);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            statxMissing = true;
            return true;
        }
        int mode = BitConverter.ToUInt16(buffer, StatxModeOffset);
        return (mode & FileTypeMask) == RegularFileType;
    }

    /// <summary>Throws a <see cref="DatasetException"/> naming <paramref name="path"/> unless it is a regular file.</summary>
    public static void Require(string path)
    {
        if (!File.Exists(path)) throw new DatasetException(path, "file not found");
        if (!Is(path)) throw new DatasetException(path, "is not a regular file (a FIFO, socket or device is not read)");
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int directoryFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
