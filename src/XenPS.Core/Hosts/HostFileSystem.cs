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
    public FileWrite(string path, string content, string? mode = null)
    {
        HostFileSystem.ValidatePath(path);
        if (mode is not null) HostFileSystem.CheckMode(mode);
        Path = path;
        Content = content;
        Mode = mode;
    }

    public string Path { get; }
    public string Content { get; }

    /// <summary>An octal mode such as "0600"; null keeps the mode of the file replaced (0644 for a new file under umask 022).</summary>
    public string? Mode { get; }
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
/// transport, so the same code runs on the Dom0 and on a remote Dom0. Writes are atomic: each file is written to a
/// temporary file in its own directory (keeping the old file's mode and owner) and renamed over the old one; the old
/// one is kept as a timestamped backup. A batch stages every file before renaming any, and if a rename fails the
/// files already replaced are put back from their backups, so every file ends either old or new.
/// </summary>
public sealed class HostFileSystem
{
    private const int MissingExitCode = 3;
    private readonly IXenHost _host;
    private readonly IXenOutput _output;

    public HostFileSystem(IXenHost host, IXenOutput? output = null)
    {
        _host = host;
        _output = output ?? NullXenOutput.Instance;
    }

    /// <summary>Test hook: make the batch fail after this many renames (fault injection).</summary>
    internal int? FailAfterRenames { get; set; }

    /// <summary>The text of a file, or null when it does not exist.</summary>
    public async Task<string?> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        ValidatePath(path);
        var result = await RunAsync(ReadScript(path), cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == MissingExitCode) return null;
        Check(result, "read " + path);
        return result.StandardOutput;
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
        Check(result, "write " + string.Join(", ", files.Select(f => f.Path)));

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

    // The scripts (internal: the property tests run them under real shells with hostile paths). Messages that hold a
    // path are written with printf '%s\n', never echo: dash's echo would read backslashes in the path as escapes.
    internal static ShellScript ReadScript(string path) =>
        ShellScript.Of($"if [ -f {path} ]; then exec cat -- {path}; elif [ -e {path} ]; then printf '%s\\n' {"xenps: " + path + " is not a regular file"} >&2; exit 4; else exit {MissingExitCode}; fi");

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
        var sb = new ShellScript();
        sb.Line($"umask 022").Line($"r=0");
        for (var i = 0; i < n; i++) sb.Line($"t{i}=''; b{i}=''; s{i}=replaced");
        // cleanup removes staged temporary files; rollback puts back the files replaced so far (r of them).
        sb.Line($"cleanup() {{");
        for (var i = 0; i < n; i++) sb.Line($"  [ -z {ShellScript.Var("t" + i)} ] || rm -f -- {ShellScript.Var("t" + i)}");
        sb.Line($"  :").Line($"}}").Line($"rollback() {{");
        for (var i = 0; i < n; i++)
        {
            var path = files[i].Path;
            var b = ShellScript.Var("b" + i);
            sb.Line($"  if [ \"$r\" -gt {i} ]; then if [ -n {b} ]; then cp -p -- {b} {path}; else rm -f -- {path}; fi; fi");
        }
        sb.Line($"  :").Line($"}}");
        sb.Line($"fail() {{ printf 'xenps: %s\\n' \"$*\" >&2; cleanup; exit 1; }}");

        // Stage: every file is fully written next to its target before anything is replaced.
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
            if (f.Content.Length == 0) sb.Line($": > {t} || fail write");
            else
            {
                sb.HereDocument($"cat > {t}", f.Content, $"|| fail write");
                if (f.Content[f.Content.Length - 1] != '\n') sb.Line($"truncate -s -1 {t} || fail truncate");
            }
            if (f.Mode is not null) sb.Line($"chmod {f.Mode} {t} || fail chmod");
        }

        // Replace: keep a copy of the old file (the backup), then rename; a failure puts back what was replaced.
        for (var i = 0; i < n; i++)
        {
            var f = files[i];
            var path = f.Path;
            var bak = f.Path + ".xenps-" + stamp + ".bak";
            if (failAfterRenames == i) sb.Line($"rollback; fail {"injected fault after " + i + " files"}");
            sb.Line($"if [ -e {path} ]; then cp -p -- {path} {bak} || {{ rollback; fail {"cannot back up " + f.Path}; }}; b{i}={bak}; else s{i}=created; fi");
            sb.Line($"mv -f -- {ShellScript.Var("t" + i)} {path} || {{ rollback; fail {"cannot replace " + f.Path}; }}");
            sb.Line($"t{i}=''; r={i + 1}");
        }
        for (var i = 0; i < n; i++)
        {
            // Without -Backup the copy only served the rollback: remove it now that every file is in place.
            if (!backup) sb.Line($"[ -z {ShellScript.Var("b" + i)} ] || rm -f -- {ShellScript.Var("b" + i)}; b{i}=''");
            sb.Line($"printf '%s\\t%s\\t%s\\n' {files[i].Path} {ShellScript.Var("s" + i)} {ShellScript.Var("b" + i)}");
        }
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

    private void Check(CommandResult result, string what)
    {
        if (result.ExitCode == 0) return;
        var detail = string.Join(" ", result.StandardError.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
        throw new XenException("XenFileOperationFailed", XenErrorKind.WriteError,
            $"Could not {what} on host '{_host.ComputerName}': {(detail.Length > 0 ? detail : "exit code " + result.ExitCode.ToString(CultureInfo.InvariantCulture))}")
        { ComputerName = _host.ComputerName };
    }
}
