using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using XenPS.Core.Execution;

namespace XenPS.Core.Dom0;

/// <summary>One file of the plan: its text now (null: it does not exist) and after.</summary>
public sealed class Dom0FilePlan
{
    internal Dom0FilePlan(string systemPath, string path, string? oldText, string newText)
    {
        SystemPath = systemPath;
        Path = path;
        OldText = oldText;
        NewText = newText;
    }

    /// <summary>The path as the target system sees it (/boot/loader.conf).</summary>
    public string SystemPath { get; }

    /// <summary>The path on the host (the root prefixed, symbolic links under it resolved).</summary>
    public string Path { get; }

    public string? OldText { get; }

    public string NewText { get; }

    public bool Changed => !string.Equals(OldText, NewText, StringComparison.Ordinal);

    /// <summary>The unified diff (DiffPlex) from the old to the new text; empty when unchanged.</summary>
    public string Diff => Changed ? TextDiff.Unified(Path, OldText, NewText) : string.Empty;
}

/// <summary>
/// The whole host preparation, computed and checked but not done: every file's new text, one setting record per
/// managed setting (with Before, After, Changed), and the other steps (packages, cap_mkdb, the log directory).
/// Built by <see cref="Dom0Planner"/>, carried out by <see cref="Dom0Applier"/>.
/// </summary>
public sealed class Dom0Plan
{
    internal Dom0Plan(string computerName, Dom0DesiredState state, Dom0Facts facts, Dom0Target target, Dom0Files sources)
    {
        ComputerName = computerName;
        State = state;
        Facts = facts;
        Target = target;
        Sources = sources;
    }

    /// <summary>Where every path of the target is on the host.</summary>
    public Dom0Target Target { get; }

    /// <summary>The files read, and the files each setting's reader reads.</summary>
    public Dom0Files Sources { get; }

    /// <summary>"host path:line" of an assignment.</summary>
    public string Where(FreeBsd.ConfigAssignmentAt assignment) =>
        Target.HostPathOf(assignment.File) + ":" + assignment.Line.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public string ComputerName { get; }

    public Dom0DesiredState State { get; }

    public Dom0Facts Facts { get; }

    /// <summary>Every managed file that exists or is created, and every other file changed, in the order they are written.</summary>
    public List<Dom0FilePlan> Files { get; } = new();

    /// <summary>Every managed setting, in file order, then the packages, the log directory and login.conf.db.</summary>
    public List<Dom0Setting> Settings { get; } = new();

    /// <summary>Packages to install (with -InstallPackages), in pkg install order.</summary>
    public List<string> PackagesToInstall { get; } = new();

    /// <summary>The log directory on the host, and whether it must be created.</summary>
    public string LogDirectory => Target.HostPathOf(Dom0Editor.LogDirectory);

    public bool CreateLogDirectory { get; internal set; }

    /// <summary>login.conf on the host; cap_mkdb runs on it when it changes or when login.conf.db is missing or older.</summary>
    public string LoginConf => Target.HostPathOf(Dom0Editor.LoginConfPath);

    public bool RebuildLoginDatabase { get; internal set; }

    /// <summary>"up to date", "missing" or "older than login.conf" (before the change).</summary>
    public string LoginDatabaseState { get; internal set; } = "up to date";

    public List<string> Warnings { get; } = new();

    public IEnumerable<Dom0FilePlan> ChangedFiles => Files.Where(f => f.Changed);

    public bool HasChanges => PackagesToInstall.Count > 0 || CreateLogDirectory || RebuildLoginDatabase || ChangedFiles.Any();

    /// <summary>True when a file that is read at boot changed (every managed file but login.conf, which cap_mkdb
    /// brings into effect): a reboot is needed.</summary>
    public bool BootConfigurationChanged => ChangedFiles.Any(f => f.Path != LoginConf);

    /// <summary>The steps, then a unified diff per file: what -WhatIf and -Confirm show.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.Append("Prepare ").Append(State.HasRoot ? $"the system mounted at {State.Root} on '{ComputerName}'" : $"host '{ComputerName}'")
          .Append(" as a Xen Dom0 (FreeBSD ").Append(Facts.FreeBsdVersion ?? "release unknown").Append(", ").Append(Facts.DescribeXen()).Append("):\n");
        var n = 1;
        if (PackagesToInstall.Count > 0) sb.Append(n++).Append(". pkg ").Append(State.HasRoot ? "-r " + State.Root + " " : string.Empty).Append("install -y ").Append(string.Join(" ", PackagesToInstall)).Append('\n');
        var files = ChangedFiles.ToList();
        if (files.Count > 0)
        {
            sb.Append(n++).Append(". Write ").Append(files.Count).Append(files.Count == 1 ? " file" : " files")
              .Append(" in one atomic step, keeping a timestamped backup of each: ").Append(string.Join(", ", files.Select(f => f.Path))).Append('\n');
            var overrides = Settings.Where(s => s.IsOverride).ToList();
            if (overrides.Count > 0)
            {
                sb.Append("   Commenting out what would override the settings: ")
                  .Append(string.Join(", ", overrides.Select(s => $"{s.Setting} at {s.Source}"))).Append('\n');
            }
        }
        if (RebuildLoginDatabase) sb.Append(n++).Append(". cap_mkdb ").Append(LoginConf).Append('\n');
        if (CreateLogDirectory) sb.Append(n++).Append(". mkdir -p ").Append(LogDirectory).Append(" (mode 0755)\n");
        foreach (var file in files) sb.Append(file.Diff.TrimEnd('\n')).Append('\n');
        return sb.ToString();
    }

    /// <summary>The change records of every setting.</summary>
    public IEnumerable<XenDom0Change> Changes => Settings.Select(s => s.ToChange(ComputerName));
}
