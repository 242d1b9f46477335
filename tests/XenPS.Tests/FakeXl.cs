using System.Globalization;
using System.Text;
using Xunit;

namespace XenPS.Tests;

/// <summary>
/// A fake `xl` for engine tests: a sh script that looks its arguments up in a table and replays a real capture
/// from the lab (stdout, stderr, exit code), and logs every call. Put first on PATH by <see cref="FakeXlScope"/>.
/// XenPS lists domains with `xl list -v` (the UUID column): whatever a test gives for "list" is also given for
/// "list -v", with the UUID column xl -v adds (<see cref="WithUuids"/>: a UUID per name, the same across instances of
/// a name, as xl keeps it across restarts), unless the test gives "list -v" itself.
/// </summary>
public sealed class FakeXl : IDisposable
{
    public FakeXl()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("xenps-fakexl-").FullName;
        Map("list", "xl-list-paused");
        Map("list -l", "xl-list-l-guest1");
        Map("info", "xl-info");
        Map("vcpu-list", "xl-vcpu-list-all");
        Map("uptime", "xl-uptime");
        Write();
    }

    public static string Captures => Path.Combine(AppContext.BaseDirectory, "Data", "xl-captures");

    public string Directory { get; }

    public string ScriptPath => Path.Combine(Directory, "xl");

    private readonly Dictionary<string, string> _map = new(StringComparer.Ordinal);
    private int _files;
    private readonly Dictionary<string, string> _sleeps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _streams = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(string Arguments, string BasePath)>> _then = new(StringComparer.Ordinal);

    /// <summary>After a call with <paramref name="arguments"/>, later calls with <paramref name="thenArguments"/> replay
    /// <paramref name="thenCapture"/> (state changes: after "destroy 1", "list" no longer shows guest1).</summary>
    public FakeXl After(string arguments, string thenArguments, string thenCapture)
    {
        if (!_then.TryGetValue(arguments, out var list)) _then[arguments] = list = new List<(string, string)>();
        var basePath = Path.Combine(Captures, thenCapture);
        list.Add((thenArguments, basePath));
        if (thenArguments == "list") list.Add(("list -v", WithUuids(basePath)));
        Write();
        return this;
    }

    /// <summary>Like <see cref="After"/> with literal output.</summary>
    public FakeXl AfterText(string arguments, string thenArguments, string stdout, string stderr = "", int exitCode = 0)
    {
        var basePath = Path.Combine(Directory, "custom-" + _files++);
        File.WriteAllText(basePath + ".stdout", stdout);
        File.WriteAllText(basePath + ".stderr", stderr);
        File.WriteAllText(basePath + ".rc", exitCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!_then.TryGetValue(arguments, out var list)) _then[arguments] = list = new List<(string, string)>();
        list.Add((thenArguments, basePath));
        if (thenArguments == "list") list.Add(("list -v", WithUuids(basePath)));
        Write();
        return this;
    }

    private readonly HashSet<string> _explicitVerbose = new(StringComparer.Ordinal);

    /// <summary>Sets a static answer; "list" also sets "list -v" (derived), unless the test set "list -v" itself.</summary>
    private void SetMap(string arguments, string basePath)
    {
        _map[arguments] = basePath;
        if (arguments == "list -v") _explicitVerbose.Add(arguments);
        if (arguments == "list" && !_explicitVerbose.Contains("list -v")) _map["list -v"] = WithUuids(basePath);
    }

    /// <summary>A deterministic UUID for a domain name (all zeros for Domain-0, as xl shows it).</summary>
    public static Guid UuidOf(string name)
    {
        if (name == "Domain-0") return Guid.Empty;
        // During a move xl renames the guest (NAME--migratedaway on the source, NAME--incoming on the destination)
        // and keeps its UUID.
        foreach (var suffix in new[] { "--migratedaway", "--incoming" })
            if (name.EndsWith(suffix, StringComparison.Ordinal)) name = name[..^suffix.Length];
        return new Guid(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes(name)));
    }

    private static readonly System.Text.RegularExpressions.Regex Row = new(
        @"^(?<name>.*\S)\s+\d+\s+\d+\s+\d+\s+[r-][b-][p-][s-][-rscwS?][d-]\s+\d+\.\d\s*$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>An xl list table as xl list -v prints it: the header and every row get the UUID, reason code and
    /// security label columns (" %s %8s %16s"), the UUID from <see cref="UuidOf"/>. Returns the base path of the copy.</summary>
    public string WithUuids(string basePath)
    {
        var copy = Path.Combine(Directory, "verbose-" + _files++);
        var lines = File.ReadAllText(basePath + ".stdout").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("Name", StringComparison.Ordinal) && line.Contains("VCPUs", StringComparison.Ordinal))
                lines[i] = line.TrimEnd() + "   UUID                            Reason-Code\tSecurity Label";
            else if (Row.Match(line) is { Success: true } m)
                lines[i] = line.TrimEnd() + " " + UuidOf(m.Groups["name"].Value.Trim()).ToString("D") + " " + "-".PadLeft(8) + " " + "-".PadLeft(16);
        }
        File.WriteAllText(copy + ".stdout", string.Join("\n", lines));
        File.Copy(basePath + ".stderr", copy + ".stderr");
        File.Copy(basePath + ".rc", copy + ".rc");
        return copy;
    }

    private static string Key(string arguments) => new(arguments.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray());

    /// <summary>Replays capture <paramref name="capture"/> (a name under Data/xl-captures) for these exact arguments.</summary>
    public FakeXl Map(string arguments, string capture)
    {
        SetMap(arguments, Path.Combine(Captures, capture));
        Write();
        return this;
    }

    /// <summary>Replays literal output for these arguments.</summary>
    public FakeXl MapText(string arguments, string stdout, string stderr = "", int exitCode = 0)
    {
        var name = "custom-" + _files++;
        var basePath = Path.Combine(Directory, name);
        File.WriteAllText(basePath + ".stdout", stdout);
        File.WriteAllText(basePath + ".stderr", stderr);
        File.WriteAllText(basePath + ".rc", exitCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        SetMap(arguments, basePath);
        Write();
        return this;
    }

    private readonly Dictionary<string, (string Path, string Content)> _writes = new(StringComparer.Ordinal);

    /// <summary>Makes a call with these arguments write <paramref name="content"/> to <paramref name="path"/> the way
    /// xl save does (open with O_CREAT|O_TRUNC under the caller's umask: a new file gets the umask's mode, an existing
    /// one keeps its own), before its output is replayed.</summary>
    public FakeXl Writes(string arguments, string path, string content)
    {
        _writes[arguments] = (path, content);
        Write();
        return this;
    }

    private static string Sh(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Makes these arguments sleep (to test Ctrl+C and time limits).</summary>
    public FakeXl Sleep(string arguments, int seconds)
    {
        _sleeps[arguments] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Write();
        return this;
    }

    /// <summary>Makes these arguments behave like xl save writing its stream: a chunk on standard output every 0.1 s for
    /// <paramref name="seconds"/> s (then exit 0); when the reader is gone (the write fails: SIGPIPE ignored, as the move
    /// script does) it says "Failed to save domain, resuming domain" and exits 1, as xl does. Its pid goes to stream.pid.</summary>
    public FakeXl Stream(string arguments, int seconds)
    {
        _streams[arguments] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Write();
        return this;
    }

    private readonly HashSet<string> _transports = new(StringComparer.Ordinal);

    /// <summary>Makes these arguments behave like xl migrate waiting on its ssh transport (a child process): when that
    /// child is killed, it says what xl says when its transport breaks before the final handshake ("Migration failed,
    /// resuming at sender.") and exits 1. The transport is an sh, as xl's (sh -c "ssh ..."): the supervisor stops an xl
    /// migrate's helpers by name. The transport's pid goes to transport.pid, xl's own to sleep.pid.</summary>
    public FakeXl Transport(string arguments)
    {
        _transports.Add(arguments);
        Write();
        return this;
    }

    private readonly Dictionary<string, string> _hostMap = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(string Key, string BasePath)>> _hostThen = new(StringComparer.Ordinal);

    private string Custom(string stdout, string stderr, int exitCode)
    {
        var basePath = Path.Combine(Directory, "custom-" + _files++);
        File.WriteAllText(basePath + ".stdout", stdout);
        File.WriteAllText(basePath + ".stderr", stderr);
        File.WriteAllText(basePath + ".rc", exitCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return basePath;
    }

    /// <summary>Replays literal output for these arguments when xl runs on <paramref name="host"/> (through the fake
    /// ssh, which sets XENPS_FAKE_HOST); wins over <see cref="MapText"/>.</summary>
    public FakeXl MapTextOn(string host, string arguments, string stdout, string stderr = "", int exitCode = 0)
    {
        var basePath = Custom(stdout, stderr, exitCode);
        _hostMap[host + "|" + arguments] = basePath;
        if (arguments == "list") _hostMap[host + "|list -v"] = WithUuids(basePath);
        Write();
        return this;
    }

    /// <summary>Replays a capture for these arguments on <paramref name="host"/>.</summary>
    public FakeXl MapOn(string host, string arguments, string capture)
    {
        var basePath = Path.Combine(Captures, capture);
        _hostMap[host + "|" + arguments] = basePath;
        if (arguments == "list") _hostMap[host + "|list -v"] = WithUuids(basePath);
        Write();
        return this;
    }

    /// <summary>After xl ran <paramref name="arguments"/> on <paramref name="host"/>, <paramref name="thenArguments"/> on
    /// <paramref name="thenHost"/> replays this output.</summary>
    public FakeXl AfterTextOn(string host, string arguments, string thenHost, string thenArguments, string stdout, string stderr = "", int exitCode = 0)
    {
        var trigger = host + "|" + arguments;
        if (!_hostThen.TryGetValue(trigger, out var list)) _hostThen[trigger] = list = new List<(string, string)>();
        var basePath = Custom(stdout, stderr, exitCode);
        list.Add((Key(thenHost + "|" + thenArguments), basePath));
        if (thenArguments == "list") list.Add((Key(thenHost + "|list -v"), WithUuids(basePath)));
        Write();
        return this;
    }

    /// <summary>Every "host|arguments" line xl was called with, in order ("localhost" when not through the fake ssh).</summary>
    public IReadOnlyList<string> HostCalls =>
        File.Exists(Path.Combine(Directory, "host-calls.log")) ? File.ReadAllLines(Path.Combine(Directory, "host-calls.log")) : Array.Empty<string>();

    /// <summary>Every argument line xl was called with, in order.</summary>
    public IReadOnlyList<string> Calls => TimedCalls.Select(c => c.Arguments).ToList();

    /// <summary>Every call with the time it began (the system clock, read by <c>date</c> as the script starts), in order. An argument with a
    /// newline continues on lines of its own, which keep the time of their call.</summary>
    public IReadOnlyList<(DateTimeOffset At, string Arguments)> TimedCalls
    {
        get
        {
            var path = Path.Combine(Directory, "calls.log");
            var calls = new List<(DateTimeOffset At, string Arguments)>();
            if (!File.Exists(path)) return calls;
            foreach (var line in File.ReadAllLines(path))
            {
                var tab = line.IndexOf('\t', StringComparison.Ordinal);
                if (tab > 0 && long.TryParse(line[..tab], NumberStyles.None, CultureInfo.InvariantCulture, out var ns))
                    calls.Add((DateTimeOffset.UnixEpoch.AddTicks(ns / 100), line[(tab + 1)..]));
                else
                    calls.Add((calls.Count > 0 ? calls[^1].At : DateTimeOffset.MinValue, line));
            }
            return calls;
        }
    }

    /// <summary>Text for inside a single-quoted sh word (and a case pattern: * ? [ are quoted there too).</summary>
    private static string Sq(string text) => text.Replace("'", "'\\''", StringComparison.Ordinal);

    private void Write()
    {
        var sb = new StringBuilder();
        sb.Append("#!/bin/sh\n");
        sb.Append("# fake xl: replays real captures from the Xen lab\n");
        sb.Append("d='").Append(Directory).Append("'\n");
        sb.Append("h=\"${XENPS_FAKE_HOST:-localhost}\"\n");
        sb.Append("printf '%s\\t%s\\n' \"$(date +%s%N)\" \"$*\" >> \"$d/calls.log\"\n");
        sb.Append("printf '%s|%s\\n' \"$h\" \"$*\" >> \"$d/host-calls.log\"\n");
        foreach (var (args, (path, content)) in _writes)
            sb.Append("if [ \"$*\" = ").Append(Sh(args)).Append(" ]; then printf '%s' ").Append(Sh(content)).Append(" > ").Append(Sh(path)).Append("; fi\n");
        sb.Append("k=$(printf '%s' \"$*\" | tr -c 'A-Za-z0-9' '_')\n");
        sb.Append("hk=$(printf '%s|%s' \"$h\" \"$*\" | tr -c 'A-Za-z0-9' '_')\n");
        foreach (var (trigger, thens) in _hostThen)
        {
            sb.Append("if [ \"$h|$*\" = '").Append(Sq(trigger)).Append("' ]; then mkdir -p \"$d/override\"");
            foreach (var (thenKey, basePath) in thens) sb.Append("; printf '%s' '").Append(basePath).Append("' > \"$d/override/").Append(thenKey).Append('"');
            sb.Append("; fi\n");
        }
        // State changes recorded by earlier calls win over the static table (the host's own first).
        sb.Append("if [ -f \"$d/override/$hk\" ]; then b=$(cat \"$d/override/$hk\"); cat \"$b.stdout\"; cat \"$b.stderr\" >&2; exit $(cat \"$b.rc\"); fi\n");
        sb.Append("if [ -f \"$d/override/$k\" ]; then b=$(cat \"$d/override/$k\"); cat \"$b.stdout\"; cat \"$b.stderr\" >&2; exit $(cat \"$b.rc\"); fi\n");
        foreach (var (args, thens) in _then)
        {
            sb.Append("if [ \"$*\" = '").Append(Sq(args)).Append("' ]; then mkdir -p \"$d/override\"");
            foreach (var (thenArgs, basePath) in thens) sb.Append("; printf '%s' '").Append(basePath).Append("' > \"$d/override/").Append(Key(thenArgs)).Append('"');
            sb.Append("; fi\n");
        }
        sb.Append("b=''\ncase \"$h|$*\" in\n");
        foreach (var (key, basePath) in _hostMap) sb.Append("  '").Append(Sq(key)).Append("') b='").Append(basePath).Append("' ;;\n");
        sb.Append("esac\n");
        sb.Append("if [ -n \"$b\" ]; then cat \"$b.stdout\"; cat \"$b.stderr\" >&2; exit $(cat \"$b.rc\"); fi\n");
        sb.Append("case \"$*\" in\n");
        foreach (var (args, seconds) in _streams)
        {
            sb.Append("  '").Append(Sq(args)).Append("') echo $$ > '").Append(Directory).Append("/stream.pid'; n=0; ")
              .Append("while [ $n -lt ").Append(seconds).Append("0 ]; do printf 'xenps-fake-stream-chunk\\n' || { echo 'Failed to save domain, resuming domain' >&2; exit 1; }; sleep 0.1; n=$((n + 1)); done; exit 0 ;;\n");
        }
        foreach (var args in _transports)
        {
            sb.Append("  '").Append(Sq(args)).Append("') echo $$ > '").Append(Directory).Append("/sleep.pid'; sh -c 'sleep 300; :' & echo $! > '").Append(Directory).Append("/transport.pid'; ")
              .Append("wait $!; echo 'migration sender: libxl_domain_suspend failed (rc=-3)' >&2; echo 'Migration failed, resuming at sender.' >&2; exit 1 ;;\n");
        }
        foreach (var (args, seconds) in _sleeps)
        {
            sb.Append("  '").Append(Sq(args)).Append("') echo $$ > '").Append(Directory).Append("/sleep.pid'; exec sleep ").Append(seconds).Append(" ;;\n");
        }
        foreach (var (args, basePath) in _map)
        {
            sb.Append("  '").Append(Sq(args)).Append("') b='").Append(basePath).Append("' ;;\n");
        }
        sb.Append("  *) echo \"fake xl: no capture for: $*\" >&2; exit 99 ;;\n");
        sb.Append("esac\n");
        sb.Append("cat \"$b.stdout\"; cat \"$b.stderr\" >&2; exit $(cat \"$b.rc\")\n");
        File.WriteAllText(ScriptPath, sb.ToString());
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("The fake xl is a sh script.");
        File.SetUnixFileMode(ScriptPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Puts a fake xl first on PATH for the duration of a test. PATH is process-wide, so every test class that
/// uses it is in the "FakeXl" collection, which xunit runs one test at a time.</summary>
public sealed class FakeXlScope : IDisposable
{
    private readonly string? _oldPath;

    public FakeXlScope(FakeXl fake)
    {
        Fake = fake;
        _oldPath = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", fake.Directory + Path.PathSeparator + _oldPath);
        Environment.SetEnvironmentVariable("XENPS_XL_PATH", null);
        // A fake domain that left xl list is gone at once (no xl daemon restarts it here); the tests of the wait for
        // a restart set it themselves.
        Environment.SetEnvironmentVariable("XENPS_RESTART_SETTLE_SEC", "0");
    }

    public FakeXl Fake { get; }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("PATH", _oldPath);
        Environment.SetEnvironmentVariable("XENPS_RESTART_SETTLE_SEC", null);
        Fake.Dispose();
    }
}

[CollectionDefinition("FakeXl", DisableParallelization = true)]
public sealed class FakeXlCollection
{
}
