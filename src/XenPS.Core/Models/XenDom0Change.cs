namespace XenPS;

/// <summary>One setting of the Dom0 host preparation (Initialize-XenDom0): where it lives, what it was, what it is now.</summary>
public sealed class XenDom0Change
{
    public XenDom0Change(string computerName, string file, string setting, string? before, string? after, bool changed)
    {
        ComputerName = computerName;
        File = file;
        Setting = setting;
        Before = before;
        After = after;
        Changed = changed;
    }

    public string ComputerName { get; set; }

    /// <summary>The file on the host (under -Root when one was given), a directory, or "pkg" for a package.</summary>
    public string File { get; }

    /// <summary>The variable (xen_kernel, vm.max_user_wired), the xen_cmdline option ("xen_cmdline dom0_mem"), the
    /// login class capability ("default:memorylocked"), the terminal (xc0), the include line, or the package.</summary>
    public string Setting { get; }

    /// <summary>The value before (null: not set, not there, not installed).</summary>
    public string? Before { get; }

    /// <summary>The value after (null: removed).</summary>
    public string? After { get; }

    /// <summary>True when this setting was (or, in a plan, would be) changed.</summary>
    public bool Changed { get; }

    /// <summary>Where <see cref="Before"/> came from, "file:line": the assignment that took effect, which may be in
    /// another file than <see cref="File"/> (loader.conf.local, a file of /boot/loader.conf.d, rc.conf.local,
    /// rc.conf.d/SERVICE...). Null when the setting was not set or is not read from a file.</summary>
    public string? Source { get; set; }

    /// <summary>The assignments ("file:line") read after <see cref="File"/> that gave another value: the change comments
    /// them out, so that the value written to <see cref="File"/> takes effect. Empty when there were none.</summary>
    public string[] ConflictsWith { get; set; } = System.Array.Empty<string>();

    public override string ToString() => Changed ? $"{File} {Setting}: '{Before}' -> '{After}'" : $"{File} {Setting}: unchanged '{After}'";
}

/// <summary>One check of a Dom0 audit (Test-XenDom0): what it looks at, what it expects, what it found.</summary>
public sealed class XenDom0Check
{
    public XenDom0Check(string computerName, string check, string? path, string? expected, string? actual, bool compliant, string? remedy)
    {
        ComputerName = computerName;
        Check = check;
        Path = path;
        Expected = expected;
        Actual = actual;
        Compliant = compliant;
        Remedy = remedy;
    }

    public string ComputerName { get; set; }

    /// <summary>A stable name, e.g. "loader.conf: xen_kernel", "CPU: HVM", "Reboot pending".</summary>
    public string Check { get; }

    /// <summary>The file, directory or device checked (null for checks of the CPU or of a service).</summary>
    public string? Path { get; }

    public string? Expected { get; }

    public string? Actual { get; }

    public bool Compliant { get; }

    /// <summary>What to do when the check fails (null when it passes).</summary>
    public string? Remedy { get; }

    /// <summary>For a setting read from a file: where the value that takes effect (<see cref="Actual"/>) comes from,
    /// "file:line" (the last assignment its FreeBSD reader reads: the file may be loader.conf.local, a file of
    /// /boot/loader.conf.d, rc.conf.local, rc.conf.d/SERVICE...). Null when the setting is not set or not read from a file.</summary>
    public string? Source { get; set; }

    /// <summary>The assignments ("file:line") read after <see cref="Path"/> that give another value than the one
    /// expected: Initialize-XenDom0 comments them out. Empty when there are none.</summary>
    public string[] ConflictsWith { get; set; } = System.Array.Empty<string>();

    public override string ToString() => $"{(Compliant ? "PASS" : "FAIL")} {Check}: {Actual}";
}
