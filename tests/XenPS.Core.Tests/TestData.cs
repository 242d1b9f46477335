namespace XenPS.Core.Tests;

/// <summary>Real outputs captured on the Xen 4.17 lab (Data/xl-captures: NAME.cmd, .stdout, .stderr, .rc) and real config files.</summary>
internal static class TestData
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "Data");

    public static string Captures => Path.Combine(Root, "xl-captures");

    public static string Stdout(string name) => File.ReadAllText(Path.Combine(Captures, name + ".stdout"));

    public static string Stderr(string name) => File.ReadAllText(Path.Combine(Captures, name + ".stderr"));

    public static int ExitCode(string name) => int.Parse(File.ReadAllText(Path.Combine(Captures, name + ".rc")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    public static string Command(string name) => File.ReadAllText(Path.Combine(Captures, name + ".cmd")).Trim();

    /// <summary>Every capture (top level and devices/) whose command matches.</summary>
    public static IEnumerable<string> CapturesWhere(Func<string, bool> commandMatches) =>
        Directory.EnumerateFiles(Captures, "*.cmd", SearchOption.AllDirectories)
            .Where(f => commandMatches(File.ReadAllText(f).Trim()))
            .Select(f => Path.GetRelativePath(Captures, f)[..^4])
            .OrderBy(n => n, StringComparer.Ordinal);
}
