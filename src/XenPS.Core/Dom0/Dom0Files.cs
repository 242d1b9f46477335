using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using XenPS.Core.Execution;
using XenPS.Core.FreeBsd;

namespace XenPS.Core.Dom0;

/// <summary>
/// Every configuration file the Dom0 preparation looks at, as read from the target, and for each managed setting the
/// files its FreeBSD reader reads, in order (<see cref="ConfigChain"/>): <see cref="Loader"/> (xen_kernel,
/// xen_cmdline, if_tap_load, hw.pci.mcfg, boot_verbose), <see cref="Sysctl"/> (vm.max_user_wired),
/// <see cref="Xencommons"/> (xencommons_enable: rc for the xencommons script), <see cref="Netif"/> (cloned_interfaces
/// and ifconfig_*: rc for the network and netif scripts) and <see cref="Bridge"/> (autobridge_*: rc for the bridge
/// script).
/// </summary>
public sealed class Dom0Files
{
    /// <summary>The rc scripts whose configuration the preparation manages.</summary>
    public static readonly string[] XencommonsServices = { "xencommons" };
    public static readonly string[] NetifServices = { "network", "netif" };
    public static readonly string[] BridgeServices = { "bridge" };

    private readonly Func<string, string> _hostPath;

    private Dom0Files(ConfigTree tree, bool bootMenu, Func<string, string> hostPath)
    {
        Tree = tree;
        _hostPath = hostPath;
        Loader = FreeBsdReaders.Loader(tree, Dom0Editor.LoaderConf);
        Sysctl = FreeBsdReaders.Sysctl(tree, Dom0Editor.SysctlConf);
        Xencommons = FreeBsdReaders.Rc(tree, XencommonsServices, Dom0Editor.RcConf);
        Netif = FreeBsdReaders.Rc(tree, NetifServices, Dom0Editor.RcConf);
        Bridge = FreeBsdReaders.Rc(tree, BridgeServices, Dom0Editor.RcConf);
        // The files XenPS writes are read even when no reader reads them (then the verification refuses to write).
        foreach (var path in Dom0Editor.Files.Where(p => bootMenu || p != Dom0Editor.MenuRcLocal)) tree.KindOf(path);
        foreach (var path in Dom0Editor.Files.Where(p => bootMenu || p != Dom0Editor.MenuRcLocal)) tree.Text(path);
    }

    public ConfigTree Tree { get; }

    public ConfigChain Loader { get; }

    public ConfigChain Sysctl { get; }

    public ConfigChain Xencommons { get; }

    public ConfigChain Netif { get; }

    public ConfigChain Bridge { get; }

    public IEnumerable<ConfigChain> Chains => new[] { Loader, Sysctl, Xencommons, Netif, Bridge };

    /// <summary>The text of a file (null: missing or not a regular file).</summary>
    public string? Text(string systemPath) => Tree.Text(systemPath);

    public bool Exists(string systemPath) => Tree.Text(systemPath) is not null;

    /// <summary>Where a file of the target is on the host.</summary>
    public string HostPath(string systemPath) => _hostPath(systemPath);

    /// <summary>What the readers could not follow (distinct, in order).</summary>
    public IEnumerable<string> Warnings => Chains.SelectMany(c => c.Warnings).Distinct(StringComparer.Ordinal);

    /// <summary>The assumptions made (distinct, in order).</summary>
    public IEnumerable<string> Notes => Chains.SelectMany(c => c.Notes).Distinct(StringComparer.Ordinal);

    /// <summary>The files of a fixed set of texts (null: missing); any other file is missing. For tests and for callers
    /// that already hold the files.</summary>
    public static Dom0Files FromTexts(IReadOnlyDictionary<string, string?> texts, Func<string, string>? hostPath = null, bool bootMenu = true) =>
        new(ConfigTree.FromTexts(texts), bootMenu, hostPath ?? (p => p));

    /// <summary>Reads the files from the target: the stock files first, then whatever the files name (loader_conf_files,
    /// rc_conf_files, the loader_conf_dirs directories...) until nothing new is named.</summary>
    public static async Task<Dom0Files> LoadAsync(Dom0Target target, bool bootMenu, CancellationToken ct)
    {
        var services = XencommonsServices.Concat(NetifServices).Concat(BridgeServices).ToList();
        var dirs = FreeBsdReaders.StockDirectories(services).ToList();
        var files = FreeBsdReaders.StockFiles().Concat(Dom0Editor.Files.Where(p => bootMenu || p != Dom0Editor.MenuRcLocal)).Concat(Dom0Editor.OtherPaths).ToList();
        await target.ResolveAsync(files, dirs, ct).ConfigureAwait(false);

        var tree = new ConfigTree();
        for (var round = 0; ; round++)
        {
            var result = new Dom0Files(tree, bootMenu, target.HostPathOf);
            if (tree.Requests.Count == 0) return result;
            if (round > 32)
                throw new XenException("XenDom0ConfigUnreadable", XenErrorKind.InvalidData, $"The configuration files of {target.Describe()} name each other too deeply: {string.Join(", ", tree.Requests)}. Nothing was changed.") { ComputerName = target.ComputerName };
            var requests = tree.Requests.ToList();
            tree.ClearRequests();
            await target.ResolveAsync(requests, requests, ct).ConfigureAwait(false);
            foreach (var path in requests)
            {
                var p = target[path];
                switch (p.Kind)
                {
                    case ConfigNodeKind.File:
                        var text = await target.ReadAsync(path, ct).ConfigureAwait(false);
                        if (text is null) tree.SetMissing(path);
                        else tree.SetFile(path, text);
                        break;
                    case ConfigNodeKind.Directory:
                        tree.SetDirectory(path, p.Entries ?? Array.Empty<ConfigDirEntry>());
                        break;
                    case ConfigNodeKind.Other:
                        tree.SetOther(path);
                        break;
                    default:
                        tree.SetMissing(path);
                        break;
                }
            }
        }
    }
}
