using System;
using System.Collections.Generic;
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

    /// <summary>Exit codes of <see cref="BuildSaveScript"/> before xl runs (xl's own are 0, 1 or a signal's).</summary>
    internal const int SaveNotRegularExit = 90;
    internal const int SaveExistsExit = 91;
    internal const int SaveCreateFailedExit = 92;
    internal const int SaveUnsafeFolderExit = 93;

    /// <summary>
    /// xl save of <paramref name="domain"/> (by id) to <paramref name="path"/> as ONE script on the host that carries its
    /// own supervisor (<see cref="RemoteSupervisor"/>, the script's standard input is its lifeline), so that the host
    /// ends in the old state or the new one whatever happens to XenPS or its connection: before xl runs, the file is
    /// made mode 0600 by this script (noclobber) — an existing one, with <paramref name="replace"/>, is first moved
    /// aside; then xl save writes into it; when xl fails, is stopped (Ctrl+C, the time limit, a killed client, a cut
    /// connection: its save helper is stopped first, so that xl resumes the guest) or never started, the file this
    /// script made is removed and the replaced one put back; when xl succeeds the replaced one is removed and the data
    /// flushed (sync). The client learns the outcome from the exit code (<see cref="SaveNotRegularExit"/>,
    /// <see cref="SaveExistsExit"/>, <see cref="SaveCreateFailedExit"/>, else xl's), but the host does not depend on it.
    /// </summary>
    internal static ShellScript BuildSaveScript(XenDomain domain, string path, bool replace, bool keepRunning, TimeSpan? timeout)
    {
        HostFileSystem.ValidatePath(path);
        var args = new List<string> { "save" };
        if (keepRunning) args.Add("-c");
        args.Add(XlClient.IdArgument(domain.Id));
        args.Add(path);
        var work = SshXenHost.BuildExecScript("xl", args);
        var before = new ShellScript()
            .Line($"umask 077; xenps_p={path}; xenps_b={path + ".xenps-replaced"}; xenps_mine=0; xenps_moved=0")
            .Line($"if [ -L \"$xenps_p\" ] || {{ [ -e \"$xenps_p\" ] && [ ! -f \"$xenps_p\" ]; }}; then echo 'xenps-save: the path is a symbolic link, a directory or a device' >&2; exit {SaveNotRegularExit}; fi")
            // Between the 0600 file made here and xl's own open(O_TRUNC) of the path, whoever may rename entries in the
            // folder, or in any folder above it, could put a link there (root would then write guest memory over the
            // link's target). So every folder on the way must be owned by root (or this user) and be writable by no
            // one else, unless it is sticky (/tmp: only the owner of an entry may rename it). A positive answer from
            // find is required: a find that fails refuses too.
            .Line($"xenps_d=$(dirname -- \"$xenps_p\"); xenps_u=$(id -u)")
            .Line($"while :; do")
            .Line($"  [ -n \"$(find \"$xenps_d/.\" -prune \\( -user 0 -o -user \"$xenps_u\" \\) \\( -perm -1000 -o ! \\( -perm -0020 -o -perm -0002 \\) \\) -print 2>/dev/null)\" ] ||")
            .Line($"    {{ printf 'xenps-save: another user may change the folder %s (owned by someone else, or writable by group or others without the sticky bit)\\n' \"$xenps_d\" >&2; exit {SaveUnsafeFolderExit}; }}")
            // Up to the root: where dirname gives back what it was given ("/", and "//" for BusyBox, which never
            // shortens it to "/").
            .Line($"  xenps_n=$(dirname -- \"$xenps_d\"); [ \"$xenps_n\" = \"$xenps_d\" ] && break; xenps_d=$xenps_n")
            .Line($"done");
        // The replaced file is moved aside under a name that must be free: never over another file (a leftover of an
        // interrupted save may be the only good copy), never into a directory a link there points to.
        if (replace) before.Line($"if [ -e \"$xenps_p\" ]; then {{ [ -e \"$xenps_b\" ] || [ -L \"$xenps_b\" ]; }} && {{ echo 'xenps-save: the name for the replaced file is taken:' \"$xenps_b\" >&2; exit {SaveCreateFailedExit}; }}; mv -f -- \"$xenps_p\" \"$xenps_b\" || exit {SaveCreateFailedExit}; xenps_moved=1; fi");
        else before.Line($"if [ -e \"$xenps_p\" ]; then echo 'xenps-save: the file exists' >&2; exit {SaveExistsExit}; fi");
        // noclobber: the file is created by this shell (O_EXCL), never one that appeared since the test above.
        before.Line($"if ( set -C; : > \"$xenps_p\" ); then xenps_mine=1; else [ \"$xenps_moved\" = 1 ] && mv -f -- \"$xenps_b\" \"$xenps_p\"; exit {SaveCreateFailedExit}; fi");
        // (The supervisor ignores SIGPIPE and SIGHUP for a run with an after-part: it runs even when the session is gone.)
        var after = new ShellScript()
            .Line($"if [ \"$xenps_r\" = 0 ]; then")
            .Line($"  [ \"$xenps_moved\" = 1 ] && rm -f -- \"$xenps_b\"")
            .Line($"  sync >/dev/null 2>&1")
            .Line($"  exit 0")
            .Line($"fi")
            // xl save destroys the domain only after the whole state is written; stopped during that destroy it exits
            // non-zero although the file is complete. So a written file goes only while the domain (by id) still runs
            // here; an empty one (xl wrote nothing) always goes.
            .Line($"if [ \"$xenps_mine\" = 1 ] && [ -s \"$xenps_p\" ]; then")
            .Line($"  xenps_st=$(xl list {XlClient.IdArgument(domain.Id)} 2>/dev/null | awk 'NR == 2 {{ print $(NF - 1) }}')")
            .Line($"  case \"$xenps_st\" in ''|*s*|*c*|*d*) echo 'xenps-save: the domain no longer runs here: the checkpoint file is kept' >&2; exit \"$xenps_r\" ;; esac")
            .Line($"fi")
            .Line($"[ \"$xenps_mine\" = 1 ] && rm -f -- \"$xenps_p\"")
            .Line($"[ \"$xenps_moved\" = 1 ] && {{ mv -f -- \"$xenps_b\" \"$xenps_p\" || echo 'xenps-save: the replaced checkpoint could not be put back; it is' \"$xenps_b\" >&2; }}")
            .Line($"exit \"$xenps_r\"");
        return SshXenHost.PathPrelude.Append(RemoteSupervisor.Wrap(work, RemoteSupervisor.DeadlineSeconds(timeout), RemoteStopMode.HelpersOnly, before, after));
    }

    /// <summary>Runs <see cref="BuildSaveScript"/> on the host and waits for it (at most <paramref name="timeout"/>).</summary>
    /// <exception cref="XenException">XenCheckpointExists, XenInvalidArgument (not a regular file),
    /// XenFileOperationFailed; xl's failures as classified by <see cref="XlErrorClassifier"/>;
    /// <see cref="XenCommandTimeoutException"/> when the limit passed (the save was stopped on the host).</exception>
    public static async Task<CommandResult> SaveAsync(IXenHost host, IXenOutput output, XenDomain domain, string path, bool replace, bool keepRunning,
        TimeSpan timeout, CancellationToken cancellationToken, Action<string>? onStandardErrorLine = null)
    {
        var script = BuildSaveScript(domain, path, replace, keepRunning, timeout);
        var display = host.Describe("xl", keepRunning ? new[] { "save", "-c", XlClient.IdArgument(domain.Id), path } : new[] { "save", XlClient.IdArgument(domain.Id), path });
        var result = await XlClient.RunSelfSupervisedAsync(host, output, script, display,
            "supervised on the host; the file is removed again if the save does not complete", timeout, onStandardErrorLine, cancellationToken).ConfigureAwait(false);
        switch (result.ExitCode)
        {
            case 0:
                return result;
            case SaveExistsExit:
                throw new XenException("XenCheckpointExists", XenErrorKind.ResourceExists,
                    $"{path} already exists on {host.ComputerName}: give another -Path, or -Force to replace it.") { ComputerName = host.ComputerName };
            case SaveNotRegularExit:
                throw new XenException("XenInvalidArgument", XenErrorKind.InvalidArgument,
                    $"{path} on {host.ComputerName} is not a regular file ({Detail(result)}): a checkpoint is written only to a regular file.") { ComputerName = host.ComputerName };
            case SaveUnsafeFolderExit:
                throw new XenException("XenInvalidArgument", XenErrorKind.InvalidArgument,
                    $"A folder on the way to {path} on {host.ComputerName} may be changed by another user ({Detail(result)}): that user could replace the checkpoint with a link before xl writes it. Save into folders that only root can change (a sticky one, such as /tmp, is fine).") { ComputerName = host.ComputerName };
            case SaveCreateFailedExit:
                throw new XenException("XenFileOperationFailed", XenErrorKind.WriteError,
                    $"Could not create the checkpoint file {path} (mode 0600) on host '{host.ComputerName}': {Detail(result)}") { ComputerName = host.ComputerName };
            default:
                throw XlErrorClassifier.Classify(result, display, host.ComputerName);
        }
    }

    private static string Detail(CommandResult result)
    {
        var detail = string.Join(" ", result.StandardError.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
        return detail.Length > 0 ? detail : "exit code " + result.ExitCode.ToString(CultureInfo.InvariantCulture);
    }
}
