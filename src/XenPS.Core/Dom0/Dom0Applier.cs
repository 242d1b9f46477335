using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Xl;

namespace XenPS.Core.Dom0;

/// <summary>What <see cref="Dom0Applier.ApplyAsync"/> did.</summary>
public sealed class Dom0ApplyResult
{
    /// <summary>The files written, with their backups.</summary>
    public IReadOnlyList<FileWriteResult> Written { get; internal set; } = Array.Empty<FileWriteResult>();

    /// <summary>The final record of every setting (login.conf.db says when cap_mkdb failed).</summary>
    public List<XenDom0Change> Changes { get; } = new();

    /// <summary>cap_mkdb failed (XenCapMkdbFailed): the files are written, the login database is stale.</summary>
    public XenException? LoginDatabaseError { get; internal set; }

    public bool LogDirectoryCreated { get; internal set; }
}

/// <summary>
/// Carries out a <see cref="Dom0Plan"/> on its host, in this order:
/// <list type="number">
/// <item>with -InstallPackages, <c>pkg [-r ROOT] install -y</c> the missing packages (pkg(8) -r installs into a
/// root directory with the host's own pkg and repositories; -c would chroot and need a working pkg, devfs and DNS
/// inside the root), then checks that ROOT/boot/xen is there;</item>
/// <item>every path resolved again inside the root (<see cref="Dom0Target.RecheckAsync"/>), then every changed file
/// (the managed files and the files whose overriding assignments are commented out) in one
/// <see cref="HostFileSystem.WriteFilesAtomicAsync"/> batch with backups: each file is staged next to its target, then
/// renamed over it; a failure puts back the files already replaced, so every file ends either old or new;</item>
/// <item><c>cap_mkdb ROOT/etc/login.conf</c> when login.conf changed or its database was missing or stale
/// (cap_mkdb(1) builds ROOT/etc/login.conf.db next to it); a failure is reported (XenCapMkdbFailed) but does not undo
/// the files;</item>
/// <item><c>mkdir -p ROOT/var/log/xen</c>, mode 0755.</item>
/// </list>
/// Every tool runs on the host through <see cref="IXenHost"/>: locally it is found with $env:XENPS_&lt;TOOL&gt;_PATH or
/// PATH, on a remote Dom0 through the remote PATH (with /usr/local/sbin and /usr/sbin added).
/// </summary>
public sealed class Dom0Applier
{
    public static readonly TimeSpan PackageTimeout = TimeSpan.FromMinutes(30);

    private readonly IXenHost _host;
    private readonly IXenOutput _output;
    private readonly HostFileSystem _fs;

    public Dom0Applier(IXenHost host, IXenOutput? output = null)
    {
        _host = host;
        _output = output ?? NullXenOutput.Instance;
        _fs = new HostFileSystem(host, _output);
    }

    /// <summary>Test hook: make the file batch fail after this many renames (fault injection).</summary>
    internal int? FailAfterRenames
    {
        get => _fs.FailAfterRenames;
        set => _fs.FailAfterRenames = value;
    }

    public async Task<Dom0ApplyResult> ApplyAsync(Dom0Plan plan, CancellationToken ct)
    {
        if (plan is null) throw new ArgumentNullException(nameof(plan));
        var result = new Dom0ApplyResult();
        var state = plan.State;

        if (plan.PackagesToInstall.Count > 0)
        {
            var args = new List<string>();
            if (state.HasRoot) { args.Add("-r"); args.Add(state.Root); }
            args.Add("install");
            args.Add("-y");
            args.AddRange(plan.PackagesToInstall);
            try
            {
                await XlClient.RunToolAsync(_host, _output, "pkg", args, ct, PackageTimeout).ConfigureAwait(false);
            }
            catch (XenCommandException ex)
            {
                throw new XenException("XenPackageInstallFailed", XenErrorKind.NotInstalled,
                    $"'{ex.CommandLine}' failed on host '{_host.ComputerName}' (exit code {ex.ExitCode}): {XlErrorClassifier.Summarize(ex.StandardError)}. No file was changed.", ex)
                { ComputerName = _host.ComputerName };
            }
            await plan.Target.RecheckAsync(new[] { Dom0Editor.XenKernel }, ct).ConfigureAwait(false);
            if (!plan.Target[Dom0Editor.XenKernel].Exists)
            {
                throw new XenException("XenKernelNotInstalled", XenErrorKind.NotInstalled,
                    $"pkg installed {string.Join(" ", plan.PackagesToInstall)}, but {plan.Target.HostPathOf(Dom0Editor.XenKernel)} is still missing on host '{_host.ComputerName}'; loader.conf was not changed, so the host still boots as before.")
                { ComputerName = _host.ComputerName };
            }
        }

        // Every path is resolved again just before anything is written: a link that appeared since the plan (or now
        // leads out of the root) stops the preparation here.
        var paths = plan.ChangedFiles.Select(f => f.SystemPath).Concat(new[] { Dom0Editor.LoginConfPath, Dom0Editor.LoginConfDb, Dom0Editor.LogDirectory });
        await plan.Target.RecheckAsync(paths, ct).ConfigureAwait(false);

        // Compare-and-swap: each file only replaces the text the plan was computed from (XenFileChanged otherwise).
        var files = plan.ChangedFiles.Select(f => new FileWrite(f.Path, f.NewText) { Expected = FileExpectation.Of(f.OldText) }).ToList();
        if (files.Count > 0)
        {
            try
            {
                result.Written = await _fs.WriteFilesAtomicAsync(files, backup: true, ct).ConfigureAwait(false);
            }
            catch (XenException ex) when (ex.ErrorId == "XenFileOperationFailed")
            {
                throw new XenException(ex.ErrorId, ex.Kind,
                    $"{ex.Message} None of the files was changed: {string.Join(", ", files.Select(f => f.Path))} are as they were (the write puts back any file it had already replaced).", ex)
                { ComputerName = _host.ComputerName };
            }
            foreach (var written in result.Written)
                _output.WriteVerbose(written.Created ? $"Created {written.Path}." : $"Updated {written.Path}; the old file is {written.BackupPath}.");
        }

        var loginDatabase = "up to date";
        if (plan.RebuildLoginDatabase)
        {
            try
            {
                await XlClient.RunToolAsync(_host, _output, "cap_mkdb", new[] { plan.LoginConf }, ct).ConfigureAwait(false);
            }
            catch (XenException ex)
            {
                var detail = ex is XenCommandException c ? $"exit code {c.ExitCode}: {XlErrorClassifier.Summarize(c.StandardError)}" : ex.Message;
                result.LoginDatabaseError = new XenException("XenCapMkdbFailed", XenErrorKind.InvalidResult,
                    $"cap_mkdb {plan.LoginConf} failed on host '{_host.ComputerName}' ({detail}). The files were written, but the login class database {plan.LoginConf}.db was not rebuilt, so login sessions may still get the old memorylocked limit: fix the problem and run 'cap_mkdb {plan.LoginConf}' (or Initialize-XenDom0 again).", ex)
                { ComputerName = _host.ComputerName };
                loginDatabase = "cap_mkdb failed";
            }
        }

        if (plan.CreateLogDirectory) result.LogDirectoryCreated = await _fs.EnsureDirectoryAsync(plan.LogDirectory, "0755", ct).ConfigureAwait(false);

        foreach (var s in plan.Settings)
        {
            if (s.Setting == "cap_mkdb" && result.LoginDatabaseError is not null)
                result.Changes.Add(new XenDom0Change(plan.ComputerName, s.File, s.Setting, s.Before, loginDatabase, false));
            else result.Changes.Add(s.ToChange(plan.ComputerName));
        }
        return result;
    }

    /// <summary>Reboots the host (shutdown -r now). Over SSH the connection may drop before shutdown answers: that
    /// counts as done.</summary>
    public async Task RestartAsync(CancellationToken ct)
    {
        try
        {
            await XlClient.RunToolAsync(_host, _output, "shutdown", new[] { "-r", "now" }, ct).ConfigureAwait(false);
        }
        catch (XenHostUnreachableException ex)
        {
            _output.WriteVerbose($"The connection to '{_host.ComputerName}' closed while it was shutting down ({ex.Detail}).");
        }
        catch (XenCommandException ex) when (ex.ExitCode == 255 && !_host.IsLocal)
        {
            _output.WriteVerbose($"The connection to '{_host.ComputerName}' closed while it was shutting down.");
        }
    }
}
