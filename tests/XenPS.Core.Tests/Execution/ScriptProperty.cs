using CsCheck;
using Xunit;
using Xunit.Sdk;

namespace XenPS.Core.Tests.Execution;

/// <summary>Runs a property over batches of generated cases: each batch is one shell process (every case in its own
/// subshell and its own directory), then every case is checked, then the sandbox is checked for stray effects.</summary>
internal static class ScriptProperty
{
    /// <summary>Cases per batch: a batch is one shell process, plus the tools its scripts run (a property costs
    /// about one process per case and tool call).</summary>
    public const int BatchSize = 25;

    /// <summary>Batches per property and shell: 1, so that the whole suite stays fast; $env:XENPS_PROPERTY_BATCHES
    /// asks for more (e.g. 20 for a deep run before a release).</summary>
    public static int Batches { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("XENPS_PROPERTY_BATCHES"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1;

    public static void Check<T>(ShellSandbox box, Gen<T> gen, Func<T, string, string> build, Action<T, string, ScriptRun> verify,
        int batchSize = BatchSize, int? batches = null)
    {
        var n = 0;
        gen.Array[batchSize, batchSize].Sample(cases =>
        {
            var batch = Interlocked.Increment(ref n);
            var dirs = cases.Select((_, i) => Directory.CreateDirectory(Path.Combine(box.Files, "b" + batch, "c" + i)).FullName).ToArray();
            var scripts = cases.Select((c, i) => build(c, dirs[i])).ToList();
            var runs = box.RunBatch(scripts);
            for (var i = 0; i < cases.Length; i++)
            {
                try
                {
                    verify(cases[i], dirs[i], runs[i]);
                }
                catch (Exception ex) when (ex is XunitException or InvalidOperationException)
                {
                    throw new XunitException($"Under {box.ShellName}, case {Describe(cases[i])} failed: {ex.Message}\n" +
                        $"exit code {runs[i].ExitCode}, stderr: {Hostile.Show(runs[i].StandardError)}\ncalls:\n  {string.Join("\n  ", runs[i].Calls)}\nscript:\n{scripts[i]}");
                }
            }
            box.AssertNoStrayEffects();
        }, iter: batches ?? Batches, threads: 1);
    }

    private static string Describe(object? value) => value switch
    {
        string s => Hostile.Show(s),
        System.Runtime.CompilerServices.ITuple t => "(" + string.Join(", ", Enumerable.Range(0, t.Length).Select(i => Describe(t[i]))) + ")",
        System.Collections.IEnumerable e => "[" + string.Join(", ", e.Cast<object?>().Select(Describe)) + "]",
        _ => value?.ToString() ?? "null",
    };

    /// <summary>A placeholder in an expected call: any value, the same wherever the same name appears (a temporary
    /// file's name), starting with <paramref name="prefix"/>.</summary>
    public static string Any(string name, string prefix = "") => "\u0001" + name + "\u0002" + prefix;

    public static ToolCall Call(string tool, params string[] args) => new(tool, args);

    /// <summary>The calls are exactly these, in this order (placeholders bound on first use).</summary>
    public static void AssertCalls(IReadOnlyList<ToolCall> actual, params ToolCall[] expected)
    {
        var bound = new Dictionary<string, string>(StringComparer.Ordinal);
        var message = $"expected calls:\n  {string.Join("\n  ", expected)}\nactual calls:\n  {string.Join("\n  ", actual)}";
        if (actual.Count != expected.Length) throw new XunitException(message);
        for (var i = 0; i < expected.Length; i++)
        {
            if (actual[i].Tool != expected[i].Tool || actual[i].Args.Count != expected[i].Args.Count) throw new XunitException(message);
            for (var j = 0; j < expected[i].Args.Count; j++)
            {
                var want = expected[i].Args[j];
                var got = actual[i].Args[j];
                if (want.StartsWith('\u0001'))
                {
                    var sep = want.IndexOf('\u0002', StringComparison.Ordinal);
                    var name = want[1..sep];
                    var prefix = want[(sep + 1)..];
                    if (bound.TryGetValue(name, out var value) ? value != got : !got.StartsWith(prefix, StringComparison.Ordinal)) throw new XunitException($"argument {j} of call {i}: {Hostile.Show(got)}\n{message}");
                    bound[name] = got;
                }
                else if (want != got)
                {
                    throw new XunitException($"argument {j} of call {i}: {Hostile.Show(got)} instead of {Hostile.Show(want)}\n{message}");
                }
            }
        }
    }

    /// <summary>The calls are these, in any order (no placeholders).</summary>
    public static void AssertCallsInAnyOrder(IEnumerable<ToolCall> actual, IEnumerable<ToolCall> expected)
    {
        static List<string> Keys(IEnumerable<ToolCall> calls) => calls.Select(c => c.Tool + "\0" + string.Join("\0", c.Args)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var a = actual.ToList();
        var e = expected.ToList();
        if (!Keys(a).SequenceEqual(Keys(e)))
            throw new XunitException($"expected calls (any order):\n  {string.Join("\n  ", e)}\nactual calls:\n  {string.Join("\n  ", a)}");
    }
}
