using System.Globalization;
using System.Text;
using XenPS.Core.Execution;

namespace XenPS.Core.Tests.Execution;

/// <summary>
/// A private directory of recording stand-in programs for tests that run real scripts with a real runner: each
/// stand-in appends "name NUL argc NUL arg1 NUL ..." to <see cref="Log"/> (from $XENPS_T_LOG), then does what the
/// test says (sh text of the TEST). <see cref="Files"/> is a directory under a hostile name, <see cref="Canary"/> the
/// file hostile inputs try to create, and <see cref="Environment"/> what the scripts need to find all of them
/// ($XENPS_T_DIR is <see cref="Dir"/>, where tests keep the stand-ins' state).
/// </summary>
internal sealed class StandIns : IDisposable
{
    public StandIns(string prefix)
    {
        Dir = Directory.CreateTempSubdirectory(prefix).FullName;
        Bin = Directory.CreateDirectory(Path.Combine(Dir, "bin")).FullName;
        Log = Path.Combine(Dir, "calls.log");
        Canary = Path.Combine(Dir, "CANARY");
        Files = Directory.CreateDirectory(Path.Combine(Dir, "fi les '$x' \"$(touch CANARY)\" ~")).FullName;
    }

    public string Dir { get; }

    public string Bin { get; }

    public string Log { get; }

    public string Canary { get; }

    public string Files { get; }

    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["CANARY"] = Canary,
        ["XENPS_T_LOG"] = Log,
        ["XENPS_T_DIR"] = Dir,
    };

    /// <summary>A stand-in named <paramref name="name"/> that records its call, then runs <paramref name="then"/>.</summary>
    public void Tool(string name, string then)
    {
        var path = Path.Combine(Bin, name);
        File.WriteAllText(path, "#!/bin/sh\nprintf '%s\\0' \"${0##*/}\" \"$#\" \"$@\" >> \"$XENPS_T_LOG\"\n" + then + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("755", 8));
    }

    /// <summary>Every recorded call so far, in order.</summary>
    public List<(string Tool, string[] Args)> Calls()
    {
        var calls = new List<(string, string[])>();
        if (!File.Exists(Log)) return calls;
        var tokens = Encoding.UTF8.GetString(File.ReadAllBytes(Log)).Split('\0');
        for (var i = 0; i + 1 < tokens.Length;)
        {
            var n = int.Parse(tokens[i + 1], CultureInfo.InvariantCulture);
            calls.Add((tokens[i], tokens.Skip(i + 2).Take(n).ToArray()));
            i += 2 + n;
        }
        return calls;
    }

    /// <summary>Runs a script under the shell under test (<see cref="RealShellRunner.Argv"/>, "sh -s") with the
    /// stand-ins first on PATH and its standard input held open until it exits (its lifeline, as XenPS holds it).</summary>
    public Task<CommandResult> RunHeldScriptAsync(string shell, string script)
    {
        var argv = RealShellRunner.Argv(shell);
        var spec = new CommandSpec(argv[0], argv.Skip(1).Append("-s")) { StandardInput = script, KeepStandardInputOpen = true, Timeout = TimeSpan.FromSeconds(60) };
        spec.Environment["PATH"] = Bin + ":/usr/bin:/bin:/usr/sbin:/sbin";
        foreach (var kv in Environment) spec.Environment[kv.Key] = kv.Value;
        return CliWrapCommandRunner.Instance.RunAsync(spec, CancellationToken.None);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // a stand-in still ending
        }
    }
}
