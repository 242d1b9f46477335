using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace XenPS.Core.Tests.Execution;

/// <summary>
/// A guard over the source tree: shell text is only ever made by ShellScript. It fails on any other way to make it
/// (hand quoting with ShellQuoting outside display text, running a shell with -c or a string script, raw fragments,
/// format strings built at run time, data through echo, scripts built in the cmdlets). Each rule is checked on
/// samples that must trip it, so the guard itself can fail.
/// </summary>
public sealed class ShellTextGuardTests
{
    /// <summary>The one file that makes shell text, and the quoting it uses (also used for display).</summary>
    private static readonly string[] Builder = { "src/XenPS.Core/Execution/ShellScript.cs", "src/XenPS.Core/Execution/ShellQuoting.cs" };

    /// <summary>The two transports: they hand a ShellScript's text to "sh -s" locally or "/bin/sh -s" over ssh.</summary>
    private static readonly string[] Transports = { "src/XenPS.Core/Hosts/LocalXenHost.cs", "src/XenPS.Core/Hosts/SshXenHost.cs" };

    private sealed record Rule(string Why, Regex Pattern, Func<string, string[], int, bool> Allowed);

    private static readonly Rule[] Rules =
    {
        new("hand-quoted shell text: build it with ShellScript (ShellQuoting is for display text only: DisplayText, Describe, Verbose, Debug)",
            new Regex(@"\bShellQuoting\s*\.\s*(Quote|Join)\s*\(", RegexOptions.CultureInvariant),
            (file, lines, i) => Builder.Contains(file) || IsDisplay(lines[i]) || (i > 0 && IsDisplay(lines[i - 1]))),
        new("a shell run as a program (sh -c, bash...): scripts go through IXenHost.RunScriptAsync(ShellScript)",
            new Regex(@"""(/bin/|/usr/bin/|/usr/local/bin/)?(sh|bash|ash|dash|ksh|zsh|csh|tcsh)""\s*(,|\))", RegexOptions.CultureInvariant),
            (file, _, _) => Transports.Contains(file)),
        new("ssh run outside the transport: the words after the destination are shell text for the remote login shell",
            new Regex(@"(new\s+CommandSpec|RunAsync)\s*\(\s*""ssh""", RegexOptions.CultureInvariant),
            (file, _, _) => file == Transports[1]),
        new("a raw shell fragment or a format string made at run time: only interpolated strings written in the source are sh syntax",
            new Regex(@"\bnew\s+ShellFragment\s*\(|\bFormattableStringFactory\b", RegexOptions.CultureInvariant),
            (file, _, _) => Builder.Contains(file)),
        new("data through echo (dash's echo reads \\c, \\n, \\033 in it): use printf '%s\\n' {value}",
            new Regex(@"\$@?""(?:[^""\\]|\\.)*?\becho\s+\{(?!\{)", RegexOptions.CultureInvariant),
            (_, _, _) => false),
        new("'--' after an operand: FreeBSD's getopt stops at the first operand, so that '--' is taken for a file name (write chmod -- {mode} {path})",
            new Regex(@"\$@?""(?:[^""\\]|\\.)*?(?<!\s-[A-Za-z]+\s+\{[^{}]*)\}\s+--\s", RegexOptions.CultureInvariant),
            (_, _, _) => false),
        new("a script built in a cmdlet: scripts live in XenPS.Core, next to their tests",
            new Regex(@"\bShellScript\s*\.\s*(Of|Words|Var)\b|\bnew\s+ShellScript\s*\(", RegexOptions.CultureInvariant),
            (file, _, _) => !file.StartsWith("src/XenPS/", StringComparison.Ordinal)),
    };

    private static bool IsDisplay(string line) =>
        line.Contains("DisplayText", StringComparison.Ordinal) || line.Contains("Describe(", StringComparison.Ordinal) ||
        line.Contains("WriteVerbose(", StringComparison.Ordinal) || line.Contains("WriteDebug(", StringComparison.Ordinal);

    /// <summary>Every place in one file that breaks a rule ("file:line: why").</summary>
    private static IEnumerable<string> Violations(string file, string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var code = lines[i].TrimStart();
            if (code.StartsWith("//", StringComparison.Ordinal)) continue;
            foreach (var rule in Rules)
            {
                if (rule.Pattern.IsMatch(lines[i]) && !rule.Allowed(file, lines, i)) yield return $"{file}:{i + 1}: {rule.Why}\n    {code.TrimEnd()}";
            }
        }
    }

    private static string RepoRoot()
    {
        var fromBuild = typeof(ShellTextGuardTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "RepoRoot")?.Value;
        if (fromBuild is { Length: > 0 } && Directory.Exists(Path.Combine(fromBuild, "src", "XenPS.Core"))) return fromBuild;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "src", "XenPS.Core"))) return dir.FullName;
        }
        throw new InvalidOperationException("The repository root (with src/XenPS.Core) was not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void NoCodeButTheScriptBuilderMakesShellText()
    {
        var root = RepoRoot();
        var files = new[] { "src/XenPS.Core", "src/XenPS" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(root, d), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .ToList();
        Assert.True(files.Count > 50, $"only {files.Count} source files found under {root}");
        Assert.Contains(files, f => f.EndsWith("Execution/ShellScript.cs", StringComparison.Ordinal));
        var found = files.SelectMany(f => Violations(Path.GetRelativePath(root, f).Replace('\\', '/'), File.ReadAllText(f))).ToList();
        Assert.True(found.Count == 0, "Shell text made outside ShellScript:\n" + string.Join("\n", found));
    }

    [Theory]
    [InlineData("src/XenPS.Core/Xl/X.cs", "        var q = ShellQuoting.Quote(path);")]
    [InlineData("src/XenPS.Core/Xl/X.cs", "        args.Add(ShellQuoting.Join(words));")]
    [InlineData("src/XenPS.Core/Xl/X.cs", "        await _host.RunAsync(\"sh\", new[] { \"-c\", text }, o, ct);")]
    [InlineData("src/XenPS.Core/Xl/X.cs", "        var spec = new CommandSpec(\"/bin/sh\", new[] { \"-c\", script });")]
    [InlineData("src/XenPS.Core/Xl/X.cs", "        RunAsync(\"bash\", args, o, ct);")]
    [InlineData("src/XenPS.Core/Xl/X.cs", "        var spec = new CommandSpec(\"ssh\", new[] { host, \"xl list \" + name });")]
    [InlineData("src/XenPS.Core/Xl/X.cs", "        var f = new ShellFragment(\"rm -rf \" + path);")]
    [InlineData("src/XenPS.Core/Xl/X.cs", "        script.Line(FormattableStringFactory.Create(\"cat \" + path));")]
    [InlineData("src/XenPS.Core/Xl/X.cs", "        script.Line($\"echo {message} >&2\");")]
    [InlineData("src/XenPS/Commands/X.cs", "        var r = await xl.Host.RunScriptAsync(ShellScript.Of($\"[ -d {path} ]\"), o, ct);")]
    [InlineData("src/XenPS/Commands/X.cs", "        var s = new ShellScript();")]
    [InlineData("src/XenPS.Core/Xl/X.cs", "        script.Line($\"mkdir -p -- {path} && chmod {mode} -- {path}\");")]
    [InlineData("src/XenPS.Core/Xl/X.cs", "        script.Line($\"cp {a} -- {b}\");")]
    public void EachRuleTripsOnWhatItForbids(string file, string line) => Assert.NotEmpty(Violations(file, "namespace X;\n" + line + "\n"));

    [Theory]
    [InlineData("src/XenPS.Core/Execution/CommandSpec.cs", "    public string DisplayText => ShellQuoting.Join(new[] { FileName }.Concat(Arguments));")]
    [InlineData("src/XenPS.Core/Hosts/SshXenHost.cs", "    public string Describe(string tool, IReadOnlyList<string> arguments) =>\n        $\"[{ComputerName}] {ShellQuoting.Join(new[] { tool }.Concat(arguments))}\";")]
    [InlineData("src/XenPS.Core/Hosts/LocalXenHost.cs", "        var spec = Spec(\"sh\", new[] { \"-s\" }, options);")]
    [InlineData("src/XenPS.Core/Xl/X.cs", "        script.Line($\"echo 'xenps: restored' >&2; {{ xl save; }}\");")]
    [InlineData("src/XenPS.Core/Xl/X.cs", "        script.Line($\"printf '%s\\\\n' {message} >&2\");")]
    [InlineData("src/XenPS.Core/Xl/X.cs", "        // ShellQuoting.Quote(x) in a comment")]
    [InlineData("src/XenPS.Core/Xl/XlClient.cs", "        if (keepRunning) args.Add(\"-c\");")]
    [InlineData("src/XenPS.Core/Xl/X.cs", "        script.Line($\"truncate -s {sizeBytes} -- {path}\");")]
    [InlineData("src/XenPS.Core/Xl/X.cs", "        script.Line($\"if [ -f {path} ]; then exec tail -n {t} -- {path}; fi\");")]
    [InlineData("src/XenPS.Core/Xl/X.cs", "        script.Line($\"chmod -- {mode} {path} && rm -f -- {path}\");")]
    public void WhatIsAllowedDoesNotTrip(string file, string text) => Assert.Empty(Violations(file, text));
}
