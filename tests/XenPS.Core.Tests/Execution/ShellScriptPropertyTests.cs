using System.Globalization;
using CsCheck;
using XenPS.Core.Execution;
using Xunit;
using static XenPS.Core.Tests.Execution.ScriptProperty;

namespace XenPS.Core.Tests.Execution;

/// <summary>
/// Properties of the script builder under the real shells: whatever the values, every hole reaches the program as
/// exactly the word it was (bytes compared as UTF-8), nothing else runs, no file appears.
/// </summary>
public sealed class ShellScriptPropertyTests
{
    /// <summary>printf '%s\0' of the words gives back the words (after a first word "start": printf with no word
    /// still prints its format once).</summary>
    private static string[] Printed(ScriptRun run)
    {
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.StandardError);
        Assert.Empty(run.Calls);
        var parts = run.StandardOutput.Split('\0');
        Assert.Equal("", parts[^1]);
        Assert.Equal("start", parts[0]);
        return parts[1..^1];
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void WordsRoundTrip(string shell)
    {
        using var box = new ShellSandbox(shell);
        Check(box, Hostile.Values,
            (w, _) => ShellScript.Of($"printf '%s\\0' start {ShellScript.Words(w)}").Text,
            (w, _, run) => Assert.Equal(w, Printed(run)));
    }

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void EveryKindOfHoleRoundTrips(string shell)
    {
        using var box = new ShellSandbox(shell);
        var gen = Gen.Select(Hostile.Value, Hostile.Values, Gen.Long, Gen.Int);
        Check(box, gen,
            (c, _) =>
            {
                var (s, w, l, i) = c;
                return new ShellScript()
                    .Line($"x={s}")
                    .Line($"printf '%s\\0' start {s} {w.ToList()} {l} {i} {ShellScript.Var("x")}")
                    .Command(new[] { "printf", "%s\\0" }.Concat(w).Append(s).ToArray())
                    .Text;
            },
            (c, _, run) =>
            {
                var (s, w, l, i) = c;
                var expected = new[] { s }.Concat(w).Append(l.ToString(CultureInfo.InvariantCulture)).Append(i.ToString(CultureInfo.InvariantCulture)).Append(s)
                    .Concat(w).Append(s);
                Assert.Equal(expected, Printed(run));
            });
    }

    /// <summary>A nested script is one word: sh -c runs exactly it, nested once and twice.</summary>
    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void ANestedScriptIsOneWordForShC(string shell)
    {
        using var box = new ShellSandbox(shell);
        Check(box, Hostile.Values,
            (w, _) =>
            {
                var inner = ShellScript.Of($"printf '%s\\0' start {ShellScript.Words(w)}");
                var once = ShellScript.Of($"{ShellScript.Words(box.ShellArgv)} -c {inner}");
                return ShellScript.Of($"{ShellScript.Words(box.ShellArgv)} -c {once}").Append(once).Text;
            },
            (w, _, run) =>
            {
                var printed = Printed(run);
                // The inner script ran twice (nested twice, then once): the same words each time.
                Assert.Equal(w.Concat(new[] { "start" }).Concat(w), printed);
            },
            batchSize: 10);
    }

    /// <summary>Bytes writes exactly the content to the file, whatever it holds: hostile lines, lines that look like
    /// here-document markers followed by bytes above 0x7F (dash 0.5.12 drops such a byte from a here-document line
    /// that starts like its marker: why contents never go through a here-document), invalid UTF-8, NUL, more than one
    /// printf's worth.</summary>
    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void BytesWritesExactlyTheContent(string shell)
    {
        using var box = new ShellSandbox(shell);
        var gen = Gen.Frequency(
            (4, Hostile.Content.Select(c => System.Text.Encoding.UTF8.GetBytes(c))),
            (1, Gen.Byte.Array[0, 64]),
            (1, Gen.Byte.Array[ShellScript.BytesPerPrintf - 2, ShellScript.BytesPerPrintf + 2]));
        Check(box, gen,
            (content, dir) => new ShellScript().Bytes(content, $"> {Path.Combine(dir, "f")}", $"|| exit 9").Line($"printf 'after\\n'").Text,
            (content, dir, run) =>
            {
                Assert.Equal((0, "after\n", ""), (run.ExitCode, run.StandardOutput, run.StandardError));
                Assert.Equal(content, File.ReadAllBytes(Path.Combine(dir, "f")));
                Assert.Empty(run.Calls);
                File.Delete(Path.Combine(dir, "f"));
            });
    }

    /// <summary>The content that dash 0.5.12 corrupts in a here-document (a line starting like the marker, then a byte
    /// above 0x7F) is written exactly by Bytes under every shell.</summary>
    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void ALineThatStartsLikeAMarkerKeepsItsHighBytes(string shell)
    {
        using var box = new ShellSandbox(shell);
        var content = System.Text.Encoding.UTF8.GetBytes("XENPS_EOF_\u65e5\u672c\nE\u00e9\nEOF\u00fc\n");
        var file = Path.Combine(box.Files, "f");
        var run = box.RunBatch(new[] { new ShellScript().Bytes(content, $"> {file}").Text })[0];
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(content, File.ReadAllBytes(file));
    }

    /// <summary>A word that looks like an assignment (NAME=value) in the place of a command is the command's name,
    /// never an assignment (which would run the next word as the command).</summary>
    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void AnAssignmentLookingWordIsACommandName(string shell)
    {
        using var box = new ShellSandbox(shell);
        var gen = Gen.Select(Gen.OneOf("A", "PATH", "IFS", "_x", "CANARY", "HOME"), Gen.String[Gen.Char["abc019_.-=:,@+%"], 0, 8], Hostile.Values);
        Check(box, gen,
            (c, _) =>
            {
                var (name, value, args) = c;
                box.Tool(name + "=" + value);
                return new ShellScript().Command(new[] { name + "=" + value, "touch" }.Concat(args).ToArray())
                    .Line($"{name + "=" + value} id").Text;
            },
            (c, _, run) =>
            {
                var (name, value, args) = c;
                Assert.Equal(0, run.ExitCode);
                AssertCalls(run.Calls, Call(name + "=" + value, new[] { "touch" }.Concat(args).ToArray()), Call(name + "=" + value, "id"));
            },
            batchSize: 10);
    }

    /// <summary>A string hole as the target of a redirection names exactly that file.</summary>
    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void ARedirectionWritesExactlyTheFileNamed(string shell)
    {
        using var box = new ShellSandbox(shell);
        Check(box, Gen.Select(Hostile.FileName, Hostile.Value),
            (c, dir) => ShellScript.Of($"printf '%s' {c.Item2} > {dir + "/" + c.Item1}").Text,
            (c, dir, run) =>
            {
                Assert.Equal(0, run.ExitCode);
                Assert.Equal(new[] { c.Item1 }, Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
                Assert.Equal(c.Item2, File.ReadAllText(Path.Combine(dir, c.Item1)));
            });
    }

    /// <summary>However a secret is placed in a script (a word, part of a word, in a list, in a nested script), the
    /// display text never shows it, and the script still passes it on exactly.</summary>
    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void SecretsAreNeverShownButAlwaysPassedOn(string shell)
    {
        using var box = new ShellSandbox(shell);
        var secretGen = Gen.Select(Gen.String[Gen.Char["abcXYZ019"], 6, 8], Gen.OneOf("", "'", "''", "'x'", "\"", "$", " ", "\\", "A="), Gen.Int[0, 6])
            .Select(t => t.Item1.Insert(Math.Min(t.Item3, t.Item1.Length), t.Item2));
        Check(box, secretGen,
            (secret, _) =>
            {
                var inner = ShellScript.Of($"printf '%s\\0' {secret} {"pw=" + secret + "!"}").Secret(secret);
                var script = ShellScript.Of($"printf '%s\\0' start {secret} {"--password=" + secret} {ShellScript.Words("a", secret)}")
                    .Line($"{ShellScript.Words(box.ShellArgv)} -c {inner}")
                    .Secret(secret);
                var shown = script.DisplayText;
                Assert.DoesNotContain(secret, shown, StringComparison.Ordinal);
                Assert.DoesNotContain(secret.Replace("'", "'\\''", StringComparison.Ordinal), shown, StringComparison.Ordinal);
                Assert.DoesNotContain(secret.Replace("'", "'\\''", StringComparison.Ordinal).Replace("'", "'\\''", StringComparison.Ordinal), shown, StringComparison.Ordinal);
                return script.Text;
            },
            (secret, _, run) => Assert.Equal(new[] { secret, "--password=" + secret, "a", secret, secret, "pw=" + secret + "!" }, Printed(run)),
            batchSize: 10);
    }
}
