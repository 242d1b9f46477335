using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;

namespace XenPS.Core.Config;

/// <summary>Domain configuration files on a host: find, read and write them (atomically, with a backup).</summary>
public sealed class XenConfigStore
{
    private readonly IXenHost _host;
    private readonly HostFileSystem _fs;

    public XenConfigStore(IXenHost host, IXenOutput? output = null)
    {
        _host = host;
        _fs = new HostFileSystem(host, output);
    }

    public HostFileSystem FileSystem => _fs;

    /// <summary>Reads and parses a config file.</summary>
    /// <exception cref="XenException">XenConfigNotFound when the file does not exist.</exception>
    /// <exception cref="XenConfigSyntaxException">The file is not valid xl.cfg syntax.</exception>
    public async Task<XenDomUConfig> LoadAsync(string path, CancellationToken cancellationToken)
    {
        var text = await _fs.ReadFileAsync(path, cancellationToken).ConfigureAwait(false)
            ?? throw new XenException("XenConfigNotFound", XenErrorKind.ObjectNotFound, $"The domain configuration file '{path}' does not exist on host '{_host.ComputerName}'.") { ComputerName = _host.ComputerName };
        var config = XenDomUConfig.Parse(text, path);
        config.ComputerName = _host.ComputerName;
        config.LoadedAs = FileExpectation.Of(text);
        return config;
    }

    /// <summary>The *.cfg files of a directory, sorted by name (none when the directory does not exist).</summary>
    public async Task<IReadOnlyList<string>> ListAsync(string directory, CancellationToken cancellationToken)
    {
        var result = await _host.RunScriptAsync(ListScript(directory), new HostRunOptions(), cancellationToken).ConfigureAwait(false);
        // NUL-separated: a file name may hold a newline.
        return result.StandardOutput.Split('\0').Where(l => l.Length > 0).OrderBy(l => l, StringComparer.Ordinal).ToList();
    }

    /// <summary>Prints the path of every *.cfg regular file of the directory, each followed by a NUL.</summary>
    internal static ShellScript ListScript(string directory)
    {
        var dir = directory.TrimEnd('/');
        return ShellScript.Of($"[ -d {dir} ] || exit 0")
            .Line($"for f in {dir}/*.cfg; do [ -f \"$f\" ] && printf '%s\\0' \"$f\"; done")
            .Line($"exit 0");
    }

    /// <summary>Writes a config atomically. A config that holds a password (VNC or SPICE) is written mode 0600, the
    /// mode set before the content is written and its backup readable by its owner only, and its passwords are masked
    /// wherever the write is shown (Debug, errors). Compare-and-swap: a config loaded by <see cref="LoadAsync"/> is only
    /// written over the file as it was loaded, and a new config (not loaded from a file) only where no file exists; else
    /// XenFileChanged, and nothing is written.</summary>
    public async Task<FileWriteResult> SaveAsync(XenDomUConfig config, bool backup, CancellationToken cancellationToken)
    {
        var path = config.Path ?? throw new ArgumentException("The configuration has no path.", nameof(config));
        var secrets = config.SecretValues;
        var text = config.ToFileText();
        var write = new FileWrite(path, text, secrets.Count > 0 ? "0600" : null, secrets) { Expected = config.LoadedAs ?? FileExpectation.Absent };
        var result = await _fs.WriteFileAtomicAsync(write, backup, cancellationToken).ConfigureAwait(false);
        config.LoadedAs = FileExpectation.Of(text);
        return result;
    }
}
