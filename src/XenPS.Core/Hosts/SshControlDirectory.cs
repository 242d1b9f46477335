using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using XenPS.Core.Execution;

namespace XenPS.Core.Hosts;

/// <summary>
/// The folder of the SSH master connection sockets (ControlPath). Whoever can write into it, or replace it, can take
/// over the connections XenPS opens as root to the hypervisors: plant a socket of their own where ssh looks for the
/// master, or read the commands sent through ours. So, before ssh is ever started with it, the folder must be a real
/// directory (not a symbolic link), owned by the current user, writable by nobody else; and no folder above it may be
/// replaceable by another user (each owned by root or the current user, and not writable by group or others unless
/// sticky, like /tmp). A missing folder is created with mode 0700; an existing one of the current user that others
/// may only read is narrowed to 0700; anything else is refused (XenSshControlDirectoryUnsafe) and nothing runs.
/// </summary>
/// <remarks>
/// The owner and mode are read with lstat(2) through the .NET runtime's own native shim (libSystem.Native, which every
/// .NET runtime ships and uses for System.IO on Unix): its FileStatus record is the same on Linux, FreeBSD and macOS
/// (Flags, Mode, Uid, Gid first, in that order since .NET Core 2.0), unlike libc's struct stat, whose layout differs
/// by system and architecture (and glibc before 2.33 exports no lstat symbol at all). .NET has no managed API for a
/// file's owner, and running stat(1) would need two dialects (GNU -c, BSD -f) and a process per look.
/// </remarks>
public static class SshControlDirectory
{
    /// <summary>The error id of a folder that is refused.</summary>
    public const string UnsafeErrorId = "XenSshControlDirectoryUnsafe";

    private static readonly ConcurrentDictionary<string, bool> Checked = new(StringComparer.Ordinal);

    /// <summary>The default folder: $XDG_RUNTIME_DIR/xenps-ssh when that is set and is the current user's (a per-user
    /// folder of the login session, mode 0700, on tmpfs; after su it may still name the other user's), else
    /// xenps-ssh-UID in the temporary folder.</summary>
    public static string DefaultPath()
    {
        if (!IsUnix) return Path.Combine(Path.GetTempPath(), "xenps-ssh-" + Environment.UserName);
        var me = Native.EffectiveUserId();
        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        if (!string.IsNullOrEmpty(runtime) && Path.IsPathRooted(runtime) && Native.LStat(runtime!) is { IsDirectory: true } r && r.Uid == me)
            return Path.Combine(runtime, "xenps-ssh");
        return Path.Combine(Path.GetTempPath(), "xenps-ssh-" + me.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Makes sure <paramref name="path"/> is a private folder of the current user (creating it when missing),
    /// or throws XenSshControlDirectoryUnsafe. Checked once per folder and process: once it is ours and nothing above
    /// it can be replaced by someone else, nobody else can change that.</summary>
    public static void Ensure(string path)
    {
        if (string.IsNullOrEmpty(path)) throw Unsafe(path, "it is empty");
        if (!IsUnix)
        {
            Directory.CreateDirectory(path);
            return;
        }
        var full = Path.GetFullPath(path);
        if (Checked.ContainsKey(full)) return;
        var me = Native.EffectiveUserId();
        CheckAncestors(full, me);

        var status = Native.LStat(full);
        if (status is null)
        {
            // mkdir(2) with mode 0700: never a moment with wider rights. EEXIST (someone was quicker) is judged below.
            Native.MakeDirectory(full);
            status = Native.LStat(full) ?? throw Unsafe(full, "it could not be created");
        }
        var s = status.Value;
        if (s.IsSymbolicLink) throw Unsafe(full, "it is a symbolic link (anyone who can change the link decides where the sockets go)");
        if (!s.IsDirectory) throw Unsafe(full, "it is not a directory");
        if (s.Uid != me) throw Unsafe(full, $"it belongs to user id {s.Uid}, not to you (user id {me}): that user could take over the SSH connections");
        if ((s.Mode & 0x12) != 0) throw Unsafe(full, $"its mode is {Octal(s.Mode)}: others can create or replace sockets in it");
        if ((s.Mode & 0x3F) != 0) Native.ChangeMode(full, 0x1C0); // readable by others only: narrowed to 0700
        Checked[full] = true;
    }

    /// <summary>Forgets which folders were checked (tests).</summary>
    internal static void Reset() => Checked.Clear();

    private static void CheckAncestors(string full, uint me)
    {
        var chain = new List<string>();
        for (var dir = Path.GetDirectoryName(full); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir)) chain.Add(dir!);
        chain.Reverse();
        foreach (var dir in chain)
        {
            // A folder above may be a symbolic link (FreeBSD's /home -> /usr/home, macOS's /tmp -> /private/tmp): the link
            // must be root's or the user's, and so must the folder it leads to.
            var link = Native.LStat(dir);
            if (link is null) continue; // created below with the default rights, checked on the next run
            if (link.Value.Uid != 0 && link.Value.Uid != me)
                throw Unsafe(full, $"the folder above it, {dir}, belongs to user id {link.Value.Uid}, who could replace it");
            var target = link.Value.IsSymbolicLink ? Native.Stat(dir) : link;
            if (target is null) continue;
            var t = target.Value;
            if (t.Uid != 0 && t.Uid != me)
                throw Unsafe(full, $"the folder above it, {dir}, belongs to user id {t.Uid}, who could replace it");
            if ((t.Mode & 0x12) != 0 && (t.Mode & 0x200) == 0)
                throw Unsafe(full, $"the folder above it, {dir}, has mode {Octal(t.Mode)}: writable by others without the sticky bit, so they could replace it");
        }
        var parent = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(parent) && Native.LStat(parent!) is null) Directory.CreateDirectory(parent!);
    }

    private static string Octal(int mode) => Convert.ToString(mode & 0xFFF, 8).PadLeft(4, '0');

    private static XenException Unsafe(string path, string why) =>
        new(UnsafeErrorId, XenErrorKind.PermissionDenied,
            $"The folder for SSH master connection sockets, '{path}', is not safe to use: {why}. No SSH connection was opened. " +
            "Remove it (or fix its owner and mode: a directory of your own, mode 700), or point $env:XENPS_SSH_CONTROL_DIR to a private folder.")
        {
            RecommendedAction = $"Check it with: ls -ld '{path}'. Use a folder of your own with mode 700 (for example under $env:XDG_RUNTIME_DIR or your home).",
        };

    private static bool IsUnix => Environment.OSVersion.Platform == PlatformID.Unix || Environment.OSVersion.Platform == PlatformID.MacOSX;

    /// <summary>What lstat/stat says of a path.</summary>
    internal readonly struct FileStatus
    {
        public FileStatus(int mode, uint uid)
        {
            Mode = mode;
            Uid = uid;
        }

        public int Mode { get; }
        public uint Uid { get; }
        public bool IsDirectory => (Mode & 0xF000) == 0x4000;
        public bool IsSymbolicLink => (Mode & 0xF000) == 0xA000;
    }

    /// <summary>lstat, stat, mkdir, chmod and geteuid through the runtime's libSystem.Native (see the remarks above).</summary>
    internal static class Native
    {
        private const string Library = "libSystem.Native";
        private const int NoSuchFile = 2; // ENOENT on Linux, FreeBSD and macOS alike
        private const int FileStatusBufferSize = 512; // far more than FileStatus needs, whatever the runtime adds at its end

        public static uint EffectiveUserId() => NativeMethods.GetEUid();

        public static FileStatus? LStat(string path) => Read(path, link: true);

        public static FileStatus? Stat(string path) => Read(path, link: false);

        public static void MakeDirectory(string path)
        {
            if (NativeMethods.MkDir(Utf8(path), 0x1C0) != 0)
            {
                var errno = Marshal.GetLastWin32Error();
                if (errno != 17) throw Failure("create", path, errno); // 17: EEXIST, judged by the caller
            }
        }

        public static void ChangeMode(string path, int mode)
        {
            if (NativeMethods.ChMod(Utf8(path), mode) != 0) throw Failure("change the mode of", path, Marshal.GetLastWin32Error());
        }

        private static FileStatus? Read(string path, bool link)
        {
            var buffer = Marshal.AllocHGlobal(FileStatusBufferSize);
            try
            {
                var rc = link ? NativeMethods.LStat(Utf8(path), buffer) : NativeMethods.Stat(Utf8(path), buffer);
                if (rc != 0)
                {
                    var errno = Marshal.GetLastWin32Error();
                    if (errno == NoSuchFile || errno == 20) return null; // ENOENT, ENOTDIR
                    throw Failure("read", path, errno);
                }
                // FileStatus: int32 Flags, int32 Mode, uint32 Uid, uint32 Gid, ...
                return new FileStatus(Marshal.ReadInt32(buffer, 4), unchecked((uint)Marshal.ReadInt32(buffer, 8)));
            }
            finally
            {
                Marshal.FreeHGlobal(buffer);
            }
        }

        /// <summary>The path as the C string the native side expects (UTF-8, NUL-terminated).</summary>
        private static byte[] Utf8(string path)
        {
            if (path.IndexOf('\0') >= 0) throw new ArgumentException("A path cannot contain a NUL character.", nameof(path));
            var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(path) + 1];
            System.Text.Encoding.UTF8.GetBytes(path, 0, path.Length, bytes, 0);
            return bytes;
        }

        private static XenException Failure(string what, string path, int errno) =>
            new(UnsafeErrorId, XenErrorKind.PermissionDenied,
                $"Could not {what} '{path}' (the folder for SSH master connection sockets): error {errno}. No SSH connection was opened.");

        private static class NativeMethods
        {
            [DllImport(Library, EntryPoint = "SystemNative_LStat", SetLastError = true)]
            internal static extern int LStat(byte[] path, IntPtr output);

            [DllImport(Library, EntryPoint = "SystemNative_Stat", SetLastError = true)]
            internal static extern int Stat(byte[] path, IntPtr output);

            [DllImport(Library, EntryPoint = "SystemNative_MkDir", SetLastError = true)]
            internal static extern int MkDir(byte[] path, int mode);

            [DllImport(Library, EntryPoint = "SystemNative_ChMod", SetLastError = true)]
            internal static extern int ChMod(byte[] path, int mode);

            [DllImport(Library, EntryPoint = "SystemNative_GetEUid")]
            internal static extern uint GetEUid();
        }
    }
}
