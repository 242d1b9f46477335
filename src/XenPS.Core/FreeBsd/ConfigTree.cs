using System;
using System.Collections.Generic;
using System.Linq;

namespace XenPS.Core.FreeBsd;

/// <summary>What a path of the target system is.</summary>
public enum ConfigNodeKind
{
    /// <summary>Not looked at yet (<see cref="ConfigTree"/> records a request).</summary>
    Unknown,
    Missing,
    File,
    Directory,

    /// <summary>Exists but is neither a regular file nor a directory (a device, a socket...).</summary>
    Other,
}

/// <summary>One entry of a directory: its name and whether it is a regular file (symbolic links followed, as the
/// loader's lfs.attributes and sh's <c>[ -f ]</c> do).</summary>
public sealed class ConfigDirEntry
{
    public ConfigDirEntry(string name, bool isFile)
    {
        Name = name;
        IsFile = isFile;
    }

    public string Name { get; }

    public bool IsFile { get; }
}

/// <summary>
/// The files of a FreeBSD system as far as they are known, by system path (/boot/loader.conf, not the path on the
/// host). The readers of <see cref="FreeBsdReaders"/> ask it for texts, kinds and directory listings; whatever is not
/// known yet is recorded in <see cref="Requests"/>, so that the caller can fetch it and ask again (which files the
/// loader reads depends on what the files it read say). A closed tree (<see cref="Closed"/>) answers "missing" for
/// everything it was not given, without requests.
/// </summary>
public sealed class ConfigTree
{
    private readonly Dictionary<string, Node> _nodes = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _requests = new(StringComparer.Ordinal);

    public ConfigTree(bool closed = false) => Closed = closed;

    /// <summary>True: unknown paths are missing (a tree built from a fixed set of files).</summary>
    public bool Closed { get; }

    /// <summary>The paths asked for but not known, in ordinal order.</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    public void ClearRequests() => _requests.Clear();

    /// <summary>A tree that holds exactly these files (null text: missing); their directories list them.</summary>
    public static ConfigTree FromTexts(IReadOnlyDictionary<string, string?> texts)
    {
        var tree = new ConfigTree(closed: true);
        foreach (var pair in texts)
        {
            if (pair.Value is null) tree.SetMissing(pair.Key);
            else tree.SetFile(pair.Key, pair.Value);
        }
        foreach (var group in texts.Where(p => p.Value is not null).GroupBy(p => DirectoryOf(p.Key), StringComparer.Ordinal))
        {
            if (!tree._nodes.ContainsKey(group.Key))
                tree.SetDirectory(group.Key, group.Select(p => new ConfigDirEntry(NameOf(p.Key), isFile: true)).ToList());
        }
        return tree;
    }

    public void SetFile(string path, string text) => _nodes[path] = new Node(ConfigNodeKind.File, text ?? throw new ArgumentNullException(nameof(text)), null);

    public void SetMissing(string path) => _nodes[path] = new Node(ConfigNodeKind.Missing, null, null);

    public void SetOther(string path) => _nodes[path] = new Node(ConfigNodeKind.Other, null, null);

    /// <summary>A directory; <paramref name="entries"/> null when it was not listed (then listing it is a request).</summary>
    public void SetDirectory(string path, IReadOnlyList<ConfigDirEntry>? entries) =>
        _nodes[path] = new Node(ConfigNodeKind.Directory, null, entries?.OrderBy(e => e.Name, StringComparer.Ordinal).ToList());

    public bool IsKnown(string path) => _nodes.ContainsKey(path);

    /// <summary>The kind of a path; Unknown (and a request) when it was not looked at.</summary>
    public ConfigNodeKind KindOf(string path)
    {
        if (_nodes.TryGetValue(path, out var node)) return node.Kind;
        if (Closed) return ConfigNodeKind.Missing;
        _requests.Add(path);
        return ConfigNodeKind.Unknown;
    }

    /// <summary>The text of a regular file; null when it is missing, not a regular file, or not known yet.</summary>
    public string? Text(string path) => KindOf(path) == ConfigNodeKind.File ? _nodes[path].Text : null;

    /// <summary>The entries of a directory in ordinal order; null when it is not a directory or not known yet.</summary>
    public IReadOnlyList<ConfigDirEntry>? Entries(string path)
    {
        if (KindOf(path) != ConfigNodeKind.Directory) return null;
        var node = _nodes[path];
        if (node.Entries is null && !Closed) _requests.Add(path);
        return node.Entries ?? Array.Empty<ConfigDirEntry>();
    }

    /// <summary>Every file known with its text (null: missing or not a regular file).</summary>
    public IReadOnlyDictionary<string, string?> Texts =>
        _nodes.Where(n => n.Value.Kind != ConfigNodeKind.Directory).ToDictionary(n => n.Key, n => n.Value.Text, StringComparer.Ordinal);

    internal static string DirectoryOf(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path.Substring(0, slash);
    }

    internal static string NameOf(string path) => path.Substring(path.LastIndexOf('/') + 1);

    private sealed class Node
    {
        public Node(ConfigNodeKind kind, string? text, IReadOnlyList<ConfigDirEntry>? entries)
        {
            Kind = kind;
            Text = text;
            Entries = entries;
        }

        public ConfigNodeKind Kind { get; }
        public string? Text { get; }
        public IReadOnlyList<ConfigDirEntry>? Entries { get; }
    }
}
