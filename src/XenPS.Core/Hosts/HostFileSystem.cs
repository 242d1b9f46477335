using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;

namespace XenPS.Core.Hosts;

/// <summary>One file to write in a <see cref="HostFileSystem.WriteFilesAtomicAsync"/> batch.</summary>
public sealed class FileWrite
{
    public FileWrite(string path, string content, string? mode = null, IEnumerable<string>? secrets = null)
    {
        HostFileSystem.ValidatePath(path);
        if (mode is not null) HostFileSystem.CheckMode(mode);
        Path = path;
        Content = content ?? throw new ArgumentNullException(nameof(content));
        Bytes = FileBytes.Encode(content);
        Secrets = secrets?.Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal).ToArray() ?? Array.Empty<string>();
        if (Secrets.Count > 0 && mode is not null && !HostFileSystem.IsPrivateMode(mode))
            throw new ArgumentException($"'{path}' holds a secret: mode {mode} would let others read it (use 0600).", nameof(mode));
        Mode = Secrets.Count > 0 ? mode ?? "0600" : mode;
    }

    public string Path { get; }

    /// <summary>The new text. Characters that stand for bytes that are not UTF-8 (<see cref="FileBytes"/>) are written
    /// as those bytes, everything else as UTF-8.</summary>
    public string Content { get; }

    /// <summary>The exact bytes written (<see cref="FileBytes.Encode"/> of <see cref="Content"/>).</summary>
    internal byte[] Bytes { get; }

    /// <summary>An octal mode such as "0600"; null keeps the mode of the file replaced (0644 for a new file under umask 022).
    /// A file with <see cref="Secrets"/> is 0600 unless a mode as private is given.</summary>
    public string? Mode { get; }

    /// <summary>Values in <see cref="Content"/> that must never be shown (passwords): masked wherever the write script
    /// is shown. A file with secrets gets its mode before its content is written, and its backup is made readable
    /// by its owner only: no copy of it is ever readable by others, not even for a moment.</summary>
    public IReadOnlyList<string> Secrets { get; }

    /// <summary>True when the file holds secrets.</summary>
    public bool IsPrivate => Secrets.Count > 0;

    /// <summary>What the file held when the caller read it (compare-and-swap): the write refuses, before anything is
    /// replaced, when the file now holds something else, or appeared or disappeared (XenFileChanged). Null: not checked.</summary>
    public FileExpectation? Expected { get; set; }
}

/// <summary>What a file held when it was read, for a compare-and-swap write (<see cref="FileWrite.Expected"/>): nothing
/// (it did not exist), or content with this SHA-256.</summary>
public sealed class FileExpectation
{
    private FileExpectation(bool exists, string? sha256)
    {
        Exists = exists;
        Sha256 = sha256;
    }

    /// <summary>The file did not exist.</summary>
    public static FileExpectation Absent { get; } = new(false, null);

    /// <summary>The file held these bytes.</summary>
    public static FileExpectation OfBytes(byte[] bytes) => new(true, FileBytes.Sha256(bytes ?? throw new ArgumentNullException(nameof(bytes))));

    /// <summary>The file held this text, as <see cref="HostFileSystem.ReadFileAsync"/> gave it; null: it did not exist.</summary>
    public static FileExpectation Of(string? text) => text is null ? Absent : OfBytes(FileBytes.Encode(text));

    public bool Exists { get; }

    /// <summary>The SHA-256 of the content, 64 lower-case hex digits (null when the file did not exist).</summary>
    public string? Sha256 { get; }

    public override string ToString() => Exists ? "sha256:" + Sha256 : "absent";
}

/// <summary>What a batch write did for each file.</summary>
public sealed class FileWriteResult
{
    public FileWriteResult(string path, string? backupPath, bool created)
    {
        Path = path;
        BackupPath = backupPath;
        Created = created;
    }

    public string Path { get; }

    /// <summary>The timestamped copy of the old file (null when the file did not exist).</summary>
    public string? BackupPath { get; }

    public bool Created { get; }
}

/// <summary>
/// File operations on a host (local or over SSH) done by small POSIX sh scripts run through the host's one
/// transport, so the same code runs on the Dom0 and on a remote Dom0.
/// <para>Files are read and written as bytes: read with <c>od</c>, written with printf octal escapes
/// (<see cref="ShellScript.Bytes"/>), and handed to the editors as text through the lossless <see cref="FileBytes"/>
/// mapping, so a file that is not UTF-8 comes back byte for byte except for the lines an edit changed.</para>
/// <para>Writes are atomic and durable: each file is written to a temporary file in its own directory (keeping the old
/// file's mode and owner) and fsync'ed; then, when the caller says what it read (<see cref="FileWrite.Expected"/>),
/// every file is checked to be unchanged since (SHA-256) and the batch is refused (XenFileChanged) before anything is
/// replaced if one is not; then each old file is copied to a timestamped backup, the directory is fsync'ed and the
/// temporary file is renamed over the old one; after the last rename every directory is fsync'ed again. If a step of
/// the replacement fails, the files already replaced are put back from their backups, so every file ends either old or
/// new. The whole script is one sh function called on its last line: a script cut short on its way to the host
/// (a dropped SSH connection) runs not at all, and a hang-up while it runs does not stop it halfway.</para>
/// <para>fsync: <c>fsync(1)</c> (FreeBSD base since 4.3: it opens each file, directories included, and calls
/// fsync(2)) when the host has it, else GNU coreutils <c>sync FILE...</c> (8.24 and later: fsync(2) of each file or
/// directory), else a plain <c>sync</c> (Linux's sync(2) waits for the writes). FreeBSD's sync(8) takes no file
/// arguments, so fsync(1) comes first.</para>
/// </summary>
public sealed class HostFileSystem
{
    private const int MissingExitCode = 3;
    private const int ChangedExitCode = 5;
    private readonly IXenHost _host;
    private readonly IXenOutput _output;

    public HostFileSystem(IXenHost host, IXenOutput? output = null)
    {
        _host = host;
        _output = output ?? NullXenOutput.Instance;
    }

    /// <summary>Test hook: make the batch fail after this many renames (fault injection).</summary>
    internal int? FailAfterRenames { get; set; }

    /// <summary>The text of a file (its bytes through <see cref="FileBytes.Decode"/>: lossless, whatever the
    /// encoding), or null when it does not exist.</summary>
    public async Task<string?> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        var bytes = await ReadFileBytesAsync(path, cancellationToken).ConfigureAwait(false);
        return bytes is null ? null : FileBytes.Decode(bytes);
    }

    /// <summary>The exact bytes of a file, or null when it does not exist. The host sends them as <c>od -An -v -tx1</c>
    /// output (POSIX, in every base system; ASCII, so no transport can re-encode them).</summary>
    public async Task<byte[]?> ReadFileBytesAsync(string path, CancellationToken cancellationToken)
    {
        ValidatePath(path);
        var result = await RunAsync(ReadScript(path), cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == MissingExitCode) return null;
        Check(result, "read " + path);
        try
        {
            return FileBytes.FromOctalDump(result.StandardOutput);
        }
        catch (FormatException ex)
        {
            throw new XenException("XenFileOperationFailed", XenErrorKind.ReadError, $"Could not read {path} on host '{_host.ComputerName}': {ex.Message}", ex) { ComputerName = _host.ComputerName };
        }
    }

    public async Task<bool> ExistsAsync(string path, CancellationToken cancellationToken)
    {
        ValidatePath(path);
        var result = await RunAsync(ExistsScript(path), cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0;
    }

    /// <summary>True when <paramref name="path"/> is a directory (a trailing '/' is allowed).</summary>
    public async Task<bool> IsDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        ValidateDirectoryPath(path);
        var result = await RunAsync(IsDirectoryScript(path), cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0;
    }

    /// <summary>The size of a file in bytes; null when it cannot be read.</summary>
    public async Task<long?> FileSizeAsync(string path, CancellationToken cancellationToken)
    {
        ValidatePath(path);
        var result = await RunAsync(FileSizeScript(path), cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0 && long.TryParse(result.StandardOutput.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var size) ? size : null;
    }

    /// <summary>Creates a directory (and its parents) when missing; true when it was created.</summary>
    public async Task<bool> EnsureDirectoryAsync(string path, string? mode, CancellationToken cancellationToken)
    {
        ValidatePath(path);
        if (mode is not null) CheckMode(mode);
        var result = await RunAsync(EnsureDirectoryScript(path, mode), cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == 10) return true;
        Check(result, "create directory " + path);
        return false;
    }

    /// <summary>Deletes a file; false when it did not exist.</summary>
    public async Task<bool> DeleteFileAsync(string path, CancellationToken cancellationToken)
    {
        ValidatePath(path);
        var result = await RunAsync(DeleteScript(path), cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == 10) return true;
        Check(result, "delete " + path);
        return false;
    }

    public async Task<FileWriteResult> WriteFileAtomicAsync(FileWrite file, bool backup, CancellationToken cancellationToken) =>
        (await WriteFilesAtomicAsync(new[] { file }, backup, cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Writes several files all-or-nothing (see the class remarks).</summary>
    public async Task<IReadOnlyList<FileWriteResult>> WriteFilesAtomicAsync(IReadOnlyList<FileWrite> files, bool backup, CancellationToken cancellationToken)
    {
        if (files.Count == 0) return Array.Empty<FileWriteResult>();
        if (files.Select(f => f.Path).Distinct(StringComparer.Ordinal).Count() != files.Count)
            throw new ArgumentException("The same file is listed twice in one write.", nameof(files));

        var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var script = BuildWriteScript(files, backup, stamp, FailAfterRenames);
        var result = await RunAsync(script, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == ChangedExitCode) throw Changed(result, files);
        Check(result, "write " + string.Join(", ", files.Select(f => f.Path)), script);

        // The script prints one "path<TAB>created|replaced<TAB>backup" line per file.
        var byPath = new Dictionary<string, FileWriteResult>(StringComparer.Ordinal);
        foreach (var line in result.StandardOutput.Split('\n'))
        {
            var parts = line.Split('\t');
            if (parts.Length != 3) continue;
            byPath[parts[0]] = new FileWriteResult(parts[0], parts[2].Length == 0 ? null : parts[2], parts[1] == "created");
        }
        return files.Select(f => byPath.TryGetValue(f.Path, out var r) ? r : new FileWriteResult(f.Path, null, false)).ToArray();
    }

    /// <summary>XenFileChanged: the script found files that are not as their callers read them (it printed
    /// "xenps-changed TAB path" for each) and wrote nothing.</summary>
    private XenException Changed(CommandResult result, IReadOnlyList<FileWrite> files)
    {
        var changed = result.StandardOutput.Split('\n')
            .Where(l => l.StartsWith("xenps-changed\t", StringComparison.Ordinal))
            .Select(l => l.Substring("xenps-changed\t".Length))
            .ToList();
        if (changed.Count == 0) changed = files.Where(f => f.Expected is not null).Select(f => f.Path).ToList();
        var host = _host.ComputerName;
        var message = changed.Count == 1
            ? $"{changed[0]} on {host} changed since it was read; nothing was written; run the command again."
            : $"{string.Join(", ", changed)} on {host} changed since they were read; nothing was written; run the command again.";
        return new XenException("XenFileChanged", XenErrorKind.InvalidOperation, message)
        {
            ComputerName = host,
            RecommendedAction = "Another program or person changed the file while XenPS was working on it. Run the command again: it reads the file anew.",
        };
    }

    // The scripts (internal: the property tests run them under real shells with hostile paths). Messages that hold a
    // path are written with printf '%s\n', never echo: dash's echo would read backslashes in the path as escapes.
    internal static ShellScript ReadScript(string path) =>
        ShellScript.Of($"if [ -f {path} ]; then exec od -An -v -tx1 < {path}; elif [ -e {path} ]; then printf '%s\\n' {"xenps: " + path + " is not a regular file"} >&2; exit 4; else exit {MissingExitCode}; fi");

    internal static ShellScript ExistsScript(string path) => ShellScript.Of($"[ -e {path} ]");

    internal static ShellScript IsDirectoryScript(string path) => ShellScript.Of($"[ -d {path} ]");

    internal static ShellScript FileSizeScript(string path) => ShellScript.Of($"wc -c < {path}");

    internal static ShellScript EnsureDirectoryScript(string path, string? mode)
    {
        var script = ShellScript.Of($"if [ -d {path} ]; then exit 0; fi");
        return mode is null
            ? script.Line($"mkdir -p -- {path} && exit 10")
            : script.Line($"mkdir -p -- {path} && chmod -- {mode} {path} && exit 10");
    }

    internal static ShellScript DeleteScript(string path) =>
        ShellScript.Of($"if [ -e {path} ] || [ -L {path} ]; then rm -f -- {path} && exit 10; fi").Line($"exit 0");

    internal static ShellScript BuildWriteScript(IReadOnlyList<FileWrite> files, bool backup, string stamp, int? failAfterRenames)
    {
        var n = files.Count;
        var dirs = files.Select(f => DirectoryOf(f.Path)).Distinct(StringComparer.Ordinal).ToList();
        var sb = new ShellScript();
        // One function, called on the last line: sh runs nothing of a script that did not arrive whole.
        sb.Line($"xenps_write() {{");
        // A hang-up or a closed output (the SSH client gone) must not stop the script between two renames.
        sb.Line($"trap '' HUP PIPE");
        sb.Line($"umask 022").Line($"r=0");
        for (var i = 0; i < n; i++) sb.Line($"t{i}=''; b{i}=''; s{i}=replaced");
        // fsync(1) on FreeBSD; GNU sync FILE... on Linux; else a whole sync (see the class remarks).
        sb.Line($"xenps_sync() {{ if command -v fsync >/dev/null 2>&1; then fsync \"$@\"; else sync \"$@\" 2>/dev/null || sync; fi; }}");
        // The SHA-256 of a file: sha256sum (Linux, FreeBSD 14), sha256 (FreeBSD base), openssl.
        sb.Line($"xenps_sha256() {{");
        sb.Line($"  if command -v sha256sum >/dev/null 2>&1; then h=$(sha256sum < \"$1\") || return 1; printf '%s\\n' \"${{h%% *}}\"");
        sb.Line($"  elif command -v sha256 >/dev/null 2>&1; then sha256 -q < \"$1\"");
        sb.Line($"  elif command -v openssl >/dev/null 2>&1; then h=$(openssl dgst -sha256 < \"$1\") || return 1; printf '%s\\n' \"${{h##* }}\"");
        sb.Line($"  else return 1; fi");
        sb.Line($"}}");
        // cleanup removes staged temporary files; rollback puts back the files replaced so far (r of them), newest
        // first, by renaming their backups back, and removes a backup made for a file that was not replaced.
        sb.Line($"cleanup() {{");
        for (var i = 0; i < n; i++) sb.Line($"  [ -z {ShellScript.Var("t" + i)} ] || rm -f -- {ShellScript.Var("t" + i)}");
        sb.Line($"  :").Line($"}}").Line($"rollback() {{");
        for (var i = n - 1; i >= 0; i--)
        {
            var path = files[i].Path;
            var b = ShellScript.Var("b" + i);
            sb.Line($"  if [ \"$r\" -gt {i} ]; then if [ -n {b} ]; then mv -f -- {b} {path}; else rm -f -- {path}; fi; elif [ -n {b} ]; then rm -f -- {b}; fi; b{i}=''");
        }
        sb.Line($"  xenps_sync {dirs} || :");
        sb.Line($"}}");
        sb.Line($"fail() {{ printf 'xenps: %s\\n' \"$*\" >&2; cleanup; exit 1; }}");

        // Stage: every file is fully written next to its target, and synced, before anything is replaced.
        for (var i = 0; i < n; i++)
        {
            var f = files[i];
            var path = f.Path;
            var dir = DirectoryOf(f.Path);
            var t = ShellScript.Var("t" + i);
            var template = dir.TrimEnd('/') + "/." + FileNameOf(f.Path) + ".xenps.XXXXXX";
            sb.Line($"[ -d {dir} ] || fail {"directory " + dir + " does not exist"}");
            sb.Line($"t{i}=$(mktemp {template}) || fail {"cannot create a temporary file in " + dir}");
            // An existing file lends its mode and owner to the new one; a new file gets 0644 (mktemp makes 0600).
            sb.Line($"if [ -e {path} ]; then cp -p -- {path} {t} || fail {"cannot copy " + f.Path}; else chmod 644 {t} || fail chmod; fi");
            // The mode is set before the content is written: a file that holds a secret is never readable by others.
            if (f.Mode is not null) sb.Line($"chmod {f.Mode} {t} || fail chmod");
            foreach (var secret in f.Secrets) sb.Secret(secret);
            sb.Bytes(f.Bytes, $"> {t}", $"|| fail {"cannot write " + f.Path}");
        }
        sb.Line($"set --");
        for (var i = 0; i < n; i++) sb.Line($"set -- \"$@\" {ShellScript.Var("t" + i)}");
        sb.Line($"xenps_sync \"$@\" || fail {"cannot sync the new files to disk"}");

        // Compare-and-swap: every file must still be what its caller read; else nothing is replaced.
        if (files.Any(f => f.Expected is not null))
        {
            sb.Line($"changed=''");
            foreach (var f in files.Where(f => f.Expected is not null))
            {
                var path = f.Path;
                if (!f.Expected!.Exists)
                {
                    sb.Line($"if [ -e {path} ] || [ -L {path} ]; then changed=1; printf 'xenps-changed\\t%s\\n' {path}; fi");
                }
                else
                {
                    var what = "cannot compute the SHA-256 of " + path + " (no sha256sum, sha256 or openssl on this host)";
                    sb.Line($"if [ -f {path} ]; then h=$(xenps_sha256 {path}) || fail {what}; [ \"$h\" = {f.Expected.Sha256!} ] || {{ changed=1; printf 'xenps-changed\\t%s\\n' {path}; }}; else changed=1; printf 'xenps-changed\\t%s\\n' {path}; fi");
                }
            }
            sb.Line($"[ -z \"$changed\" ] || {{ cleanup; exit {ChangedExitCode}; }}");
        }

        // Replace: keep a copy of the old file (the backup), sync it and the directory, then rename; a failure puts
        // back what was replaced.
        for (var i = 0; i < n; i++)
        {
            var f = files[i];
            var path = f.Path;
            var dir = DirectoryOf(f.Path);
            var bak = f.Path + ".xenps-" + stamp + ".bak";
            if (failAfterRenames == i) sb.Line($"rollback; fail {"injected fault after " + i + " files"}");
            if (f.IsPrivate)
            {
                // The old file may hold the old password: its backup is created readable by its owner only (cp
                // without -p under umask 077 makes it with the old mode minus group and other bits).
                sb.Line($"if [ -e {path} ]; then ( umask 077 && rm -f -- {bak} && cp -- {path} {bak} ) || {{ rm -f -- {bak}; rollback; fail {"cannot back up " + f.Path}; }}; b{i}={bak}; else s{i}=created; fi");
            }
            else
            {
                sb.Line($"if [ -e {path} ]; then cp -p -- {path} {bak} || {{ rm -f -- {bak}; rollback; fail {"cannot back up " + f.Path}; }}; b{i}={bak}; else s{i}=created; fi");
            }
            if (backup) sb.Line($"if [ -n {ShellScript.Var("b" + i)} ]; then xenps_sync {ShellScript.Var("b" + i)} {dir}; else xenps_sync {dir}; fi || {{ rollback; fail {"cannot sync " + dir + " to disk"}; }}");
            else sb.Line($"xenps_sync {dir} || {{ rollback; fail {"cannot sync " + dir + " to disk"}; }}");
            sb.Line($"mv -f -- {ShellScript.Var("t" + i)} {path} || {{ rollback; fail {"cannot replace " + f.Path}; }}");
            sb.Line($"t{i}=''; r={i + 1}");
        }
        // The renames themselves reach the disk.
        sb.Line($"xenps_sync {dirs} || {{ rollback; fail {"cannot sync " + string.Join(", ", dirs) + " to disk"}; }}");
        for (var i = 0; i < n; i++)
        {
            // Without -Backup the copy only served the rollback: remove it now that every file is in place.
            if (!backup) sb.Line($"[ -z {ShellScript.Var("b" + i)} ] || rm -f -- {ShellScript.Var("b" + i)}; b{i}=''");
            sb.Line($"printf '%s\\t%s\\t%s\\n' {files[i].Path} {ShellScript.Var("s" + i)} {ShellScript.Var("b" + i)}");
        }
        sb.Line($"}}");
        sb.Line($"xenps_write");
        return sb;
    }

    internal static void ValidatePath(string path)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/')
            throw new ArgumentException($"'{path}' is not an absolute path.", nameof(path));
        if (path.Any(c => c == '\n' || c == '\r' || c == '\0' || char.IsControl(c)))
            throw new ArgumentException("A file path cannot contain control characters or newlines.", nameof(path));
        if (path.EndsWith("/", StringComparison.Ordinal))
            throw new ArgumentException($"'{path}' names a directory, not a file.", nameof(path));
    }

    /// <summary>True for a mode without any group or other permission (0600, 0400, 0700...).</summary>
    internal static bool IsPrivateMode(string mode) => mode.Length >= 2 && mode[mode.Length - 1] == '0' && mode[mode.Length - 2] == '0';

    /// <summary>An absolute path without control characters; a trailing '/' is allowed (a directory).</summary>
    internal static void ValidateDirectoryPath(string path)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/')
            throw new ArgumentException($"'{path}' is not an absolute path.", nameof(path));
        if (path.Any(char.IsControl))
            throw new ArgumentException("A path cannot contain control characters or newlines.", nameof(path));
    }

    internal static void CheckMode(string mode)
    {
        if (mode.Length is < 3 or > 4 || mode.Any(c => c < '0' || c > '7'))
            throw new ArgumentException($"'{mode}' is not an octal file mode such as 0600.", nameof(mode));
    }

    private static string DirectoryOf(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path.Substring(0, slash);
    }

    private static string FileNameOf(string path) => path.Substring(path.LastIndexOf('/') + 1);

    private Task<CommandResult> RunAsync(ShellScript script, CancellationToken cancellationToken)
    {
        var options = new HostRunOptions { Timeout = TimeSpan.FromSeconds(60), OnCommandLine = line => _output.WriteDebug("Running: " + line) };
        return _host.RunScriptAsync(script, options, cancellationToken);
    }

    private void Check(CommandResult result, string what, ShellScript? script = null)
    {
        if (result.ExitCode == 0) return;
        var detail = string.Join(" ", result.StandardError.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
        detail = SecretRedactor.Redact(script is null ? detail : script.Redact(detail));
        throw new XenException("XenFileOperationFailed", XenErrorKind.WriteError,
            $"Could not {what} on host '{_host.ComputerName}': {(detail.Length > 0 ? detail : "exit code " + result.ExitCode.ToString(CultureInfo.InvariantCulture))}")
        { ComputerName = _host.ComputerName };
    }
}
