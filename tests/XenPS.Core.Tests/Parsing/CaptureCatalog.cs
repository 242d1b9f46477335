using System.Text.RegularExpressions;
using Xunit;

namespace XenPS.Core.Tests.Parsing;

/// <summary>The kinds of xl output the parsers read.</summary>
public enum XlOutputKind
{
    ListTable,
    ListJson,
    Info,
    VcpuList,
    Uptime,
}

/// <summary>
/// Sorts the real captures of Data/xl-captures (top level and devices/) by the xl subcommands their NAME.cmd ran.
/// A .cmd is a shell line that may run several commands ("xl list; losetup -a; ..."), so every `xl` invocation in it is
/// looked at; one whose stdout goes to /dev/null prints nothing and does not count. smoke/ has no .cmd files: its
/// outputs are sorted by what they start with (the header xl prints), see <see cref="SmokeCaptures"/>.
/// </summary>
internal static class CaptureCatalog
{
    // `xl [global options] subcommand [args]` up to the end of that simple command (; & | or a redirection).
    private static readonly Regex XlInvocation = new(
        @"(?:^|[;&|{]\s*|\bdo\s+)xl\s+(?<args>[^;&|>]*)(?<redirect>>\s*/dev/null)?",
        RegexOptions.CultureInvariant);

    /// <summary>The xl subcommand and its options of every invocation whose stdout is kept.</summary>
    public static IEnumerable<(string Subcommand, IReadOnlyList<string> Args)> Invocations(string command)
    {
        foreach (Match m in XlInvocation.Matches(command))
        {
            if (m.Groups["redirect"].Success) continue;
            var words = m.Groups["args"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var i = 0;
            while (i < words.Length && words[i].StartsWith('-')) i++; // global options: -f, -v, -vvv, -N
            if (i >= words.Length) continue;
            yield return (words[i], words.Skip(i + 1).ToArray());
        }
    }

    public static bool Is(string command, XlOutputKind kind) => Invocations(command).Any(inv => kind switch
    {
        XlOutputKind.ListTable => inv.Subcommand == "list" && !inv.Args.Contains("-l"),
        XlOutputKind.ListJson => inv.Subcommand == "list" && inv.Args.Contains("-l"),
        XlOutputKind.Info => inv.Subcommand == "info",
        XlOutputKind.VcpuList => inv.Subcommand == "vcpu-list",
        XlOutputKind.Uptime => inv.Subcommand == "uptime",
        _ => false,
    });

    public static IReadOnlyList<string> Names(XlOutputKind kind) =>
        TestData.CapturesWhere(cmd => Is(cmd, kind)).ToList();

    public static TheoryData<string> Theory(XlOutputKind kind)
    {
        var data = new TheoryData<string>();
        foreach (var name in Names(kind)) data.Add(name);
        return data;
    }

    /// <summary>The captures of <see cref="Theory"/> followed by the smoke/ ones of <see cref="SmokeCaptures"/>.</summary>
    public static TheoryData<string> TheoryWithSmoke(XlOutputKind kind)
    {
        var data = Theory(kind);
        foreach (var name in SmokeNames(kind)) data.Add(name);
        return data;
    }

    public static TheoryData<string> SmokeCaptures(XlOutputKind kind)
    {
        var data = new TheoryData<string>();
        foreach (var name in SmokeNames(kind)) data.Add(name);
        return data;
    }

    /// <summary>smoke/ outputs (no .cmd) of one kind, recognised by the first line xl prints.</summary>
    public static IReadOnlyList<string> SmokeNames(XlOutputKind kind)
    {
        var data = new List<string>();
        var dir = Path.Combine(TestData.Captures, "smoke");
        foreach (var file in Directory.EnumerateFiles(dir, "*.stdout").OrderBy(f => f, StringComparer.Ordinal))
        {
            var text = File.ReadAllText(file);
            var first = text.Split('\n')[0];
            var found = first.StartsWith("Name", StringComparison.Ordinal) && first.Contains("\tState\tTime(s)", StringComparison.Ordinal) ? XlOutputKind.ListTable
                : first.StartsWith('[') ? XlOutputKind.ListJson
                : first.StartsWith("host ", StringComparison.Ordinal) ? XlOutputKind.Info
                : first.StartsWith("Name", StringComparison.Ordinal) && first.Contains("VCPU", StringComparison.Ordinal) ? XlOutputKind.VcpuList
                : first.StartsWith("Name", StringComparison.Ordinal) && first.EndsWith("Uptime", StringComparison.Ordinal) ? XlOutputKind.Uptime
                : (XlOutputKind?)null;
            if (found == kind) data.Add("smoke/" + Path.GetFileNameWithoutExtension(file));
        }
        return data;
    }

    /// <summary>Stdout of a capture name from <see cref="Names"/> or <see cref="SmokeCaptures"/>.</summary>
    public static string Stdout(string name) => TestData.Stdout(name);
}
