using System;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;

namespace XenPS.Core.Xl;

/// <summary>
/// The file <c>xl save</c> writes a checkpoint to. A checkpoint holds the guest's memory and its configuration, VNC and
/// SPICE passwords included, so it must be readable by root only; but xl opens it with
/// <c>open(path, O_WRONLY|O_CREAT|O_TRUNC, 0644)</c> under the caller's umask (0022 for root: mode 0644, seen on
/// the lab). So the file is made first, mode 0600 (<c>umask 077</c> and noclobber: created by this call, never one
/// that appeared meanwhile), and xl then writes into it: O_TRUNC keeps the mode, and at no moment can anyone else
/// read it. An existing file is replaced only when asked (-Force): it is made 0600 before xl truncates and
/// writes it. Symbolic links and anything that is not a regular file are refused.
/// </summary>
public static class CheckpointFile
{
    private const int Created = 10;
    private const int Reused = 11;
    private const int Exists = 5;
    private const int NotRegular = 4;

    /// <summary>Makes <paramref name="path"/> ready for xl save, mode 0600; true when this call created it (empty).</summary>
    /// <exception cref="XenException">XenCheckpointExists (the file exists and <paramref name="replace"/> is false),
    /// XenInvalidArgument (a symbolic link, a directory, a device...), XenFileOperationFailed.</exception>
    public static async Task<bool> PrepareAsync(IXenHost host, IXenOutput output, string path, bool replace, CancellationToken cancellationToken)
    {
        HostFileSystem.ValidatePath(path);
        var script = BuildPrepareScript(path, replace);
        var result = await host.RunScriptAsync(script, Options(output), cancellationToken).ConfigureAwait(false);
        switch (result.ExitCode)
        {
            case Created:
                return true;
            case Reused:
                return false;
            case Exists:
                throw new XenException("XenCheckpointExists", XenErrorKind.ResourceExists,
                    $"{path} already exists on {host.ComputerName}: give another -Path, or -Force to replace it.") { ComputerName = host.ComputerName };
            case NotRegular:
                throw new XenException("XenInvalidArgument", XenErrorKind.InvalidArgument,
                    $"{path} on {host.ComputerName} is not a regular file ({Detail(result)}): a checkpoint is written only to a regular file.") { ComputerName = host.ComputerName };
            default:
                throw new XenException("XenFileOperationFailed", XenErrorKind.WriteError,
                    $"Could not create the checkpoint file {path} (mode 0600) on host '{host.ComputerName}': {Detail(result)}") { ComputerName = host.ComputerName };
        }
    }

    /// <summary>Removes a file this call created when xl save left it empty (it failed before writing anything).</summary>
    public static async Task RemoveIfEmptyAsync(IXenHost host, IXenOutput output, string path, CancellationToken cancellationToken)
    {
        HostFileSystem.ValidatePath(path);
        var script = ShellScript.Of($"if [ -f {path} ] && [ ! -L {path} ] && [ ! -s {path} ]; then rm -f -- {path}; fi").Line($"exit 0");
        await host.RunScriptAsync(script, Options(output), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The mode of a file as octal digits (e.g. "600"), or null when it cannot be read.</summary>
    public static async Task<string?> ModeAsync(IXenHost host, string path, CancellationToken cancellationToken)
    {
        HostFileSystem.ValidatePath(path);
        // GNU stat (Linux) and BSD stat (FreeBSD) spell it differently.
        var script = ShellScript.Of($"stat -c %a -- {path} 2>/dev/null || stat -f %Lp -- {path}");
        var result = await host.RunScriptAsync(script, new HostRunOptions { Timeout = TimeSpan.FromSeconds(60) }, cancellationToken).ConfigureAwait(false);
        var text = result.StandardOutput.Trim();
        return result.ExitCode == 0 && text.Length is >= 1 and <= 4 && text.All(c => c is >= '0' and <= '7') ? text : null;
    }

    internal static ShellScript BuildPrepareScript(string path, bool replace)
    {
        var script = new ShellScript();
        script.Line($"umask 077");
        script.Line($"if [ -L {path} ]; then echo 'a symbolic link' >&2; exit {NotRegular}; fi");
        script.Line($"if [ -e {path} ]; then");
        script.Line($"  [ -f {path} ] || {{ echo 'a directory or a device' >&2; exit {NotRegular}; }}");
        if (replace) script.Line($"  chmod 600 {path} || exit 1; exit {Reused}");
        else script.Line($"  exit {Exists}");
        script.Line($"fi");
        // noclobber: the file is created by this shell (O_EXCL), never one that appeared since the test above.
        script.Line($"set -C");
        script.Line($": > {path} || exit 1");
        script.Line($"exit {Created}");
        return script;
    }

    private static HostRunOptions Options(IXenOutput output) =>
        new() { Timeout = TimeSpan.FromSeconds(60), OnCommandLine = line => output.WriteDebug("Running: " + line) };

    private static string Detail(CommandResult result)
    {
        var detail = string.Join(" ", result.StandardError.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
        return detail.Length > 0 ? detail : "exit code " + result.ExitCode.ToString(CultureInfo.InvariantCulture);
    }
}
