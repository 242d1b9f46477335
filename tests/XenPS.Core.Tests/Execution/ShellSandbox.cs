using System.Diagnostics;
using System.Globalization;
using System.Text;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using Xunit;

namespace XenPS.Core.Tests.Execution;

/// <summary>One program run recorded by a stand-in tool: its name and its exact argv (without argv[0]).</summary>
internal sealed record ToolCall(string Tool, IReadOnlyList<string> Args)
{
    public override string ToString() => Tool + "(" + string.Join(", ", Args.Select(a => "«" + a.Replace("\n", "\\n", StringComparison.Ordinal) + "»")) + ")";
}

/// <summary>What one script of a batch did: exit code, standard output and error, and the tools it ran.</summary>
internal sealed record ScriptRun(int ExitCode, string StandardOutput, string StandardError, IReadOnlyList<ToolCall> Calls);

/// <summary>
/// A place to run generated scripts under a REAL shell and see everything they did: an empty working directory (a
/// stray redirection would leave a file there), a directory of recording stand-in tools first on PATH (each appends
/// its exact argv, NUL-separated, to a log, then does what the test asked), a canary path ($CANARY) that the hostile
/// inputs try to create, and nothing of the test process's environment. <see cref="Host"/> is a <see cref="LocalXenHost"/>
/// whose "sh" is the shell under test; <see cref="RunBatch"/> runs many scripts in one shell process (each in a
/// subshell, its output and calls kept apart).
/// </summary>
internal sealed class ShellSandbox : IDisposable
{
    /// <summary>The shells the scripts are run under: /bin/sh (dash on Debian, an Almquist shell like FreeBSD's sh) and
    /// BusyBox's ash (another Almquist descendant, with bash-like echo).</summary>
    public static readonly TheoryData<string> Shells = new() { "sh", "busybox" };

    private static readonly UTF8Encoding Utf8 = new(false);
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>Tools that a stray command would most likely run: recorded (so any call is seen), doing nothing.</summary>
    private static readonly string[] Tripwires = { "touch", "id", "bash", "ash", "dash", "busybox", "sed", "awk", "env", "xargs", "perl", "python3" };

    private readonly string[] _shell;

    public ShellSandbox(string shell)
    {
        _shell = shell switch
        {
            "sh" => new[] { "/bin/sh" },
            "busybox" => new[] { RealTool("busybox", "BusyBox is not installed: apt-get install busybox (.ci/run installs it)."), "ash" },
            _ => throw new ArgumentException("unknown shell " + shell),
        };
        ShellName = shell;
        Root = Directory.CreateTempSubdirectory("xenps-sandbox-").FullName;
        Cwd = Directory.CreateDirectory(Path.Combine(Root, "cwd")).FullName;
        Bin = Directory.CreateDirectory(Path.Combine(Root, "bin")).FullName;
        Out = Directory.CreateDirectory(Path.Combine(Root, "out")).FullName;
        // Every path the tests make is under a name that is itself hostile.
        Files = Directory.CreateDirectory(Path.Combine(Root, "fi les '$x' \"$(touch CANARY)\" ~")).FullName;
        Log = Path.Combine(Root, "calls.log");
        Canary = Path.Combine(Root, "CANARY");
        foreach (var t in Tripwires) Tool(t);
        Host = new LocalXenHost(new Runner(this));
    }

    public string ShellName { get; }

    public string Root { get; }

    /// <summary>The working directory of every process: it must stay empty.</summary>
    public string Cwd { get; }

    /// <summary>The stand-in tools, first on PATH.</summary>
    public string Bin { get; }

    /// <summary>Where tests make the files their scripts work on.</summary>
    public string Files { get; }

    public string Out { get; }

    public string Log { get; }

    /// <summary>The file every hostile input tries to create (exported as $CANARY).</summary>
    public string Canary { get; }

    public LocalXenHost Host { get; }

    public ICommandRunner CommandRunner => new Runner(this);

    /// <summary>The real program of that name (for a pass-through stand-in).</summary>
    /// <summary>The shell under test as argv (for a script that runs it again: sh -c).</summary>
    public IReadOnlyList<string> ShellArgv => _shell;

    public static string RealTool(string name, string? missing = null)
    {
        foreach (var dir in new[] { "/usr/bin", "/bin", "/usr/sbin", "/sbin" })
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path)) return path;
        }
        throw new InvalidOperationException(missing ?? $"{name} is not installed on this machine.");
    }

    /// <summary>A recording stand-in: appends "name NUL argc NUL arg1 NUL ..." to the log in one write, then runs
    /// <paramref name="then"/> (sh text of the TEST, never of the code under test; default: exit 0).</summary>
    public ShellSandbox Tool(string name, string? then = null)
    {
        var path = Path.Combine(Bin, name);
        File.WriteAllText(path,
            "#!/bin/sh\n" +
            "# recording stand-in (xenps tests)\n" +
            "printf '%s\\0' \"${0##*/}\" \"$#\" \"$@\" >> \"$XENPS_TEST_LOG\"\n" +
            (then ?? "exit 0") + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("755", 8));
        return this;
    }

    /// <summary>Recording stand-ins that then run the real tools with the same arguments.</summary>
    public ShellSandbox PassThrough(params string[] names)
    {
        foreach (var name in names) Tool(name, $"exec '{RealTool(name)}' \"$@\"");
        return this;
    }

    /// <summary>Every tool call so far, in order (the "#case" markers of a batch included).</summary>
    public List<ToolCall> Calls()
    {
        var calls = new List<ToolCall>();
        if (!File.Exists(Log)) return calls;
        var bytes = File.ReadAllBytes(Log);
        var tokens = new List<string>();
        var start = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != 0) continue;
            tokens.Add(StrictUtf8.GetString(bytes, start, i - start));
            start = i + 1;
        }
        Assert.True(start == bytes.Length, "the call log ends in the middle of a record");
        for (var i = 0; i < tokens.Count;)
        {
            var tool = tokens[i];
            var n = int.Parse(tokens[i + 1], NumberStyles.None, CultureInfo.InvariantCulture);
            calls.Add(new ToolCall(tool, tokens.GetRange(i + 2, n)));
            i += 2 + n;
        }
        return calls;
    }

    public void ClearCalls() => File.Delete(Log);

    /// <summary>Nothing ran that should not have: the canary does not exist and the working directory is empty.</summary>
    public void AssertNoStrayEffects()
    {
        Assert.False(File.Exists(Canary) || Directory.Exists(Canary), "the canary file exists: a hostile input was run as sh code");
        Assert.Empty(Directory.EnumerateFileSystemEntries(Cwd));
    }

    /// <summary>Runs every script in one shell process, each in a subshell with its own output files; returns what
    /// each did, with the tool calls it made.</summary>
    public IReadOnlyList<ScriptRun> RunBatch(IReadOnlyList<string> scripts)
    {
        ClearCalls();
        foreach (var f in Directory.GetFiles(Out)) File.Delete(f);
        var sb = new StringBuilder();
        for (var i = 0; i < scripts.Count; i++)
        {
            var n = i.ToString(CultureInfo.InvariantCulture);
            // The harness's own lines (marker, redirections, exit code): the script itself is between the parentheses.
            sb.Append("printf '%s\\0' '#case' 1 ").Append(n).Append(" >> \"$XENPS_TEST_LOG\"\n");
            sb.Append("(\n").Append(scripts[i]);
            if (scripts[i].Length > 0 && scripts[i][^1] != '\n') sb.Append('\n');
            sb.Append(") > \"$XENPS_TEST_OUT/").Append(n).Append(".out\" 2> \"$XENPS_TEST_OUT/").Append(n).Append(".err\"\n");
            sb.Append("printf '%s' \"$?\" > \"$XENPS_TEST_OUT/").Append(n).Append(".rc\"\n");
        }
        sb.Append("exit 0\n");
        var result = Run(_shell[0], _shell.Skip(1).Append("-s").ToList(), sb.ToString(), TimeSpan.FromMinutes(2), CancellationToken.None).GetAwaiter().GetResult();
        Assert.True(result.ExitCode == 0, $"the batch shell failed ({result.ExitCode}): {result.StandardError}");

        var calls = Calls();
        var runs = new List<ScriptRun>();
        for (var i = 0; i < scripts.Count; i++)
        {
            var n = i.ToString(CultureInfo.InvariantCulture);
            var rcFile = Path.Combine(Out, n + ".rc");
            Assert.True(File.Exists(rcFile), $"script {i} of the batch did not finish (it ended the batch): {result.StandardError}\n{scripts[i]}");
            var first = calls.FindIndex(c => c.Tool == "#case" && c.Args[0] == n);
            var next = calls.FindIndex(first + 1, c => c.Tool == "#case");
            var mine = calls.GetRange(first + 1, (next < 0 ? calls.Count : next) - first - 1);
            runs.Add(new ScriptRun(int.Parse(File.ReadAllText(rcFile), CultureInfo.InvariantCulture),
                File.ReadAllText(Path.Combine(Out, n + ".out"), Utf8), File.ReadAllText(Path.Combine(Out, n + ".err"), Utf8), mine));
        }
        Assert.Equal(scripts.Count, calls.Count(c => c.Tool == "#case"));
        return runs;
    }

    private async Task<CommandResult> Run(string file, IReadOnlyList<string> args, string? stdin, TimeSpan? timeout, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = Cwd,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = Utf8,
            StandardOutputEncoding = Utf8,
            StandardErrorEncoding = Utf8,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Clear();
        psi.Environment["PATH"] = Bin + ":/usr/bin:/bin:/usr/sbin:/sbin";
        psi.Environment["HOME"] = Cwd;
        psi.Environment["LC_ALL"] = "C.UTF-8";
        psi.Environment["CANARY"] = Canary;
        psi.Environment["XENPS_TEST_LOG"] = Log;
        psi.Environment["XENPS_TEST_OUT"] = Out;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        try
        {
            if (stdin is not null) await p.StandardInput.WriteAsync(stdin.AsMemory(), ct);
            p.StandardInput.Close();
        }
        catch (IOException)
        {
            // the shell exited before reading all of its input (a script that exits early)
        }
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, limit.Token);
        try
        {
            await p.WaitForExitAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw;
        }
        return new CommandResult(file, args.ToArray(), p.ExitCode, await stdout, await stderr, TimeSpan.Zero);
    }

    /// <summary>Runs "sh" as the shell under test and any other program from the stand-ins (a program without a
    /// stand-in does not exist here).</summary>
    private sealed class Runner(ShellSandbox box) : ICommandRunner
    {
        public async Task<CommandResult> RunAsync(CommandSpec spec, CancellationToken cancellationToken)
        {
            string file;
            var args = new List<string>();
            if (spec.FileName == "sh")
            {
                file = box._shell[0];
                args.AddRange(box._shell.Skip(1));
            }
            else if (spec.FileName.Contains('/', StringComparison.Ordinal)) file = spec.FileName;
            else
            {
                file = Path.Combine(box.Bin, spec.FileName);
                if (!File.Exists(file)) throw new XenToolNotFoundException(spec.FileName);
            }
            args.AddRange(spec.Arguments);
            var r = await box.Run(file, args, spec.StandardInput, spec.Timeout, cancellationToken);
            foreach (var line in r.StandardOutput.Split('\n').SkipLast(1)) spec.OnStandardOutputLine?.Invoke(line);
            foreach (var line in r.StandardError.Split('\n').SkipLast(1)) spec.OnStandardErrorLine?.Invoke(line);
            return new CommandResult(spec.FileName, spec.Arguments, r.ExitCode, r.StandardOutput, r.StandardError, r.Duration);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
