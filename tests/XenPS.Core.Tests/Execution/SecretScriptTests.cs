using System.Text;
using CsCheck;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Xl;
using Xunit;
using static XenPS.Core.Tests.Execution.ScriptProperty;

namespace XenPS.Core.Tests.Execution;

/// <summary>
/// The scripts that keep secrets and checkpoints private, under dash and BusyBox ash with hostile names, paths,
/// contents and passwords: each tool gets exactly the argv intended, the mode is set before any content is written,
/// the backup of a file that holds a password is made without -p (so under umask 077), and the script shown in Debug
/// never holds a password.
/// </summary>
public sealed class SecretScriptTests
{
    private static string ModeOf(string path) => Convert.ToString((int)File.GetUnixFileMode(path), 8);

    /// <summary>A config line with the password, quoted as xl.cfg quotes it.</summary>
    private static string Content(string password) =>
        "vncpasswd = \"" + password.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"\n";

    private static readonly Gen<string> Password = Hostile.Value.Where(v => v.Length >= 4 && v.IndexOf('\0') < 0 && v.Trim().Length > 0);

    [Theory]
    [MemberData(nameof(ShellSandbox.Shells), MemberType = typeof(ShellSandbox))]
    public void AFileWithAPasswordGetsItsModeBeforeItsContentAndAPrivateBackup(string shell)
    {
        using var box = new ShellSandbox(shell);
        box.PassThrough("mktemp", "cp", "chmod", "mv", "rm");
        box.Tool("fsync"); // recorded; FreeBSD's fsync(1)
        const string stamp = "20261205T000000Z";
        Check(box, Gen.Select(Hostile.FileName, Password, Gen.Bool, Gen.Bool),
            (c, dir) =>
            {
                var path = dir + "/" + c.Item1;
                if (c.Item3)
                {
                    File.WriteAllText(path, "old\n");
                    File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("644", 8));
                }
                var script = HostFileSystem.BuildWriteScript(new[] { new FileWrite(path, Content(c.Item2), secrets: new[] { c.Item2 }) }, c.Item4, stamp, null);
                Assert.DoesNotContain(c.Item2, script.DisplayText, StringComparison.Ordinal);
                return script.Text;
            },
            (c, dir, run) =>
            {
                Assert.Equal(0, run.ExitCode);
                var path = dir + "/" + c.Item1;
                var bak = path + ".xenps-" + stamp + ".bak";
                var template = dir + "/." + c.Item1 + ".xenps.XXXXXX";
                var t = Any("t", template[..^6]);
                var expected = new List<ToolCall> { Call("mktemp", template) };
                expected.Add(c.Item3 ? Call("cp", "-p", "--", path, t) : Call("chmod", "644", t));
                // The mode before the content (written by printf, a builtin: no program runs for it).
                expected.Add(Call("chmod", "0600", t));
                expected.Add(Call("fsync", Any("t")));
                if (c.Item3)
                {
                    expected.Add(Call("rm", "-f", "--", bak));
                    expected.Add(Call("cp", "--", path, bak));
                }
                expected.Add(c.Item3 && c.Item4 ? Call("fsync", bak, dir) : Call("fsync", dir));
                expected.Add(Call("mv", "-f", "--", Any("t"), path));
                expected.Add(Call("fsync", dir));
                if (c.Item3 && !c.Item4) expected.Add(Call("rm", "-f", "--", bak));
                AssertCalls(run.Calls, expected.ToArray());
                Assert.Equal("600", ModeOf(path));
                Assert.Equal(Encoding.UTF8.GetBytes(Content(c.Item2)), File.ReadAllBytes(path));
                if (c.Item3 && c.Item4)
                {
                    Assert.Equal("600", ModeOf(bak));
                    Assert.Equal("old\n", File.ReadAllText(bak));
                }
            },
            batchSize: 10);
    }
}
