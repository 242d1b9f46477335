using System.Text;
using XenPS.Core.Config;
using Xunit;

namespace XenPS.Core.Tests.Config;

/// <summary>
/// Random and mutated inputs: the parser either succeeds (and then writes the input back exactly, and the typed view
/// reads it without throwing) or throws <see cref="XenConfigSyntaxException"/>. Nothing else, ever. Seeds are fixed.
/// </summary>
public class XlConfigFuzzTests
{
    private const string Alphabet = "abcxyz019_.=+-[],;#'\"\\ \t\n\r():{}Mé\u00a0\uFEFF\0";

    private static readonly string[] Fragments =
    {
        "name", "memory", "disk", "vif", " = ", "+=", "=", "[", "]", ",", ";", "\n", "\r\n", "# c\n", "'", "\"", "\\", "\\'",
        "\\x41", "\\n", "0x1f", "017", "128", "'a,raw,xvda,w'", "\"bridge=bridge0\"", " ", "\t", "[ ", " ]", "[[", "]]", "-", "+",
        "Name", ":", "(", "builder", "type", "hvm", "\"hvm\"", "target=", "cdrom", "vdev=", "'phy:/dev/x,xvda,w'",
    };

    private static readonly string[] DiskAlphabet =
    {
        "/dev/zvol/zroot/x", "raw", "qcow2", "hda", "xvda", "hdc:cdrom", "cdrom", "w", "r", "rw", ",", ",", ",", " ", "=",
        "format=", "vdev=", "access=", "target=", "devtype=", "backendtype=", "phy:", "raw:", "iscsi:", "tap:", "aio:", "x:", ":",
        "discard", "no-discard", "script=", "\n", "\t", "A", "_", "-", "grant_usage=1", "colo-port=", "0", "12",
    };

    private static void Check(string text)
    {
        XlConfigDocument document;
        try
        {
            document = XlConfigDocument.Parse(text, "fuzz.cfg");
        }
        catch (XenConfigSyntaxException e)
        {
            Assert.True(e.Line >= 1 && e.Column >= 1, $"bad location {e.Line}:{e.Column} for {Escape(text)}");
            Assert.StartsWith("fuzz.cfg:", e.Message, StringComparison.Ordinal);
            return;
        }
        Assert.True(text == document.ToString(), $"round trip failed for {Escape(text)}");

        // The typed view must read anything the parser accepted without throwing.
        var config = XenDomUConfig.Parse(text);
        _ = config.Name;
        _ = config.Type;
        _ = config.MemoryMB;
        _ = config.MaxMemoryMB;
        _ = config.VCpus;
        _ = config.MaxVCpus;
        _ = config.Uuid;
        _ = config.Vnc;
        _ = config.VncDisplay;
        _ = config.Serial;
        _ = config.UsbDevice;
        foreach (var disk in config.Disks)
        {
            _ = disk.ToSpec();
            _ = disk.ToString();
            _ = disk.EffectiveFormat;
        }
        foreach (var vif in config.Vifs) _ = vif.GetProblems();
        foreach (var key in config.Keys) _ = config.Get(key);
        _ = config.Validate();
        _ = document.GetCompatibilityIssues();
    }

    private static string Escape(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '"' => "\\\"",
                '\\' => "\\\\",
                _ when c < 0x20 || c > 0x7e => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        return builder.Append('"').ToString();
    }

    [Fact]
    public void RandomCharacters()
    {
        var random = new Random(20260101);
        for (var i = 0; i < 20_000; i++)
        {
            var length = random.Next(0, 40);
            var builder = new StringBuilder(length);
            for (var j = 0; j < length; j++) builder.Append(Alphabet[random.Next(Alphabet.Length)]);
            Check(builder.ToString());
        }
    }

    [Fact]
    public void RandomFragments()
    {
        var random = new Random(42);
        var accepted = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var count = random.Next(0, 16);
            var builder = new StringBuilder();
            for (var j = 0; j < count; j++) builder.Append(Fragments[random.Next(Fragments.Length)]);
            var text = builder.ToString();
            Check(text);
            try
            {
                XlConfigDocument.Parse(text);
                accepted++;
            }
            catch (XenConfigSyntaxException)
            {
            }
        }
        Assert.True(accepted > 500, $"only {accepted} generated inputs were valid: the generator is too weak");
    }

    [Fact]
    public void MutatedFixtures()
    {
        var random = new Random(7);
        var fixtures = ConfigFixtures.ValidNames.Select(ConfigFixtures.Text).Where(t => t.Length > 0).ToList();
        for (var i = 0; i < 20_000; i++)
        {
            var text = new StringBuilder(fixtures[random.Next(fixtures.Count)]);
            var mutations = random.Next(1, 4);
            for (var m = 0; m < mutations; m++)
            {
                var position = random.Next(text.Length + 1);
                switch (random.Next(4))
                {
                    case 0:
                        if (position < text.Length) text.Remove(position, 1);
                        break;
                    case 1:
                        text.Insert(position, Alphabet[random.Next(Alphabet.Length)]);
                        break;
                    case 2:
                        text.Insert(position, Fragments[random.Next(Fragments.Length)]);
                        break;
                    default:
                        if (position < text.Length) text[position] = Alphabet[random.Next(Alphabet.Length)];
                        break;
                }
            }
            Check(text.ToString());
        }
    }

    [Fact]
    public void RandomDiskSpecs()
    {
        var random = new Random(99);
        for (var i = 0; i < 20_000; i++)
        {
            var count = random.Next(0, 10);
            var builder = new StringBuilder();
            for (var j = 0; j < count; j++) builder.Append(DiskAlphabet[random.Next(DiskAlphabet.Length)]);
            var spec = builder.ToString();
            try
            {
                var disk = XenDiskSpec.Parse(spec);
                // whatever parsed must survive its canonical form (when that form is itself writable)
                var canonical = disk.ToSpec();
                if (disk.Target is null || disk.Target.IndexOf('\n') < 0)
                {
                    var again = XenDiskSpec.Parse(canonical);
                    if (canonical.Length > 0 && !HasCommaInNonTargetField(disk))
                        Assert.True(canonical == again.ToSpec(), $"{Escape(spec)} -> {Escape(canonical)} -> {Escape(again.ToSpec())}");
                }
            }
            catch (XenConfigSyntaxException e)
            {
                Assert.True(e.Column >= 1);
            }
        }
    }

    [Fact]
    public void RandomEditsKeepTheFileValidAndDoWhatTheySay()
    {
        var random = new Random(1234);
        var keys = new[] { "name", "memory", "disk", "vif", "extra", "nested", "mixed", "new_key", "a.b", "serial" };
        var sources = ConfigFixtures.ValidNames.Select(ConfigFixtures.Text).ToList();
        sources.Add(ConfigFixtures.Text("synthetic-crlf.cfg").Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n'));
        var performed = new int[5];
        for (var round = 0; round < 3_000; round++)
        {
            var document = XlConfigDocument.Parse(sources[random.Next(sources.Count)]);
            for (var step = 0; step < 6; step++)
            {
                var key = random.Next(3) == 0 && document.Keys.Count > 0 ? document.Keys[random.Next(document.Keys.Count)] : keys[random.Next(keys.Length)];
                var before = document.ToString();
                object? expected = null;
                var operation = random.Next(5);
                switch (operation)
                {
                    case 0:
                        {
                            var value = RandomValue(random, 0);
                            expected = value.ToData();
                            document.SetValue(key, value);
                            break;
                        }
                    case 1:
                        document.Remove(key);
                        break;
                    case 2:
                        {
                            if (document.Contains(key) && document.GetValue(key) is not XlConfigList) continue;
                            var item = RandomValue(random, 1);
                            var count = document.GetListItems(key).Count;
                            document.AddListItem(key, item);
                            var items = document.GetListItems(key);
                            Assert.Equal(count + 1, items.Count);
                            Assert.Equal(Data(item), Data(items[items.Count - 1]));
                            break;
                        }
                    case 3:
                        {
                            var listKeys = document.Keys.Where(k => document.GetListItems(k).Count > 0).ToList();
                            if (listKeys.Count == 0) continue;
                            key = listKeys[random.Next(listKeys.Count)];
                            var items = document.GetListItems(key);
                            var index = random.Next(items.Count);
                            var remaining = items.Where((_, i) => i != index).Select(Data).ToList();
                            document.RemoveListItem(key, index);
                            Assert.Equal(remaining, document.GetListItems(key).Select(Data).ToList());
                            break;
                        }
                    default:
                        {
                            if (document.GetValue(key) is XlConfigAtom)
                            {
                                var text = "v" + random.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture) + "'\"\\";
                                document.SetString(key, text);
                                expected = text;
                            }
                            else
                            {
                                document.SetNumber(key, random.Next(-5, 100_000));
                                expected = null;
                            }
                            break;
                        }
                }

                performed[operation]++;
                var after = document.ToString();
                XlConfigDocument reparsed;
                try
                {
                    reparsed = XlConfigDocument.Parse(after);
                }
                catch (XenConfigSyntaxException e)
                {
                    Assert.Fail($"operation {operation} on '{key}' produced invalid text ({e.Detail}):\n--- before\n{before}\n--- after\n{after}");
                    return;
                }
                Assert.Equal(after, reparsed.ToString());
                if (operation == 1) Assert.False(reparsed.Contains(key));
                if (expected is not null) Assert.Equal(Data(expected), Data(reparsed.GetValue(key)!.ToData()));
            }
        }
        Assert.All(performed, count => Assert.True(count > 1_000, $"operations performed: {string.Join(", ", performed)}"));
    }

    private static XlConfigValue RandomValue(Random random, int depth)
    {
        switch (random.Next(depth > 2 ? 2 : 4))
        {
            case 0:
                return XlConfigAtom.FromString(new string("ab'\"\\\n\t #;,[]=é".Take(random.Next(0, 8)).OrderBy(_ => random.Next()).ToArray()), random.Next(2) == 0 ? '"' : '\'');
            case 1:
                return XlConfigAtom.FromNumber(random.Next(-3, 5000));
            default:
                return XlConfigList.Create(Enumerable.Range(0, random.Next(0, 4)).Select(_ => RandomValue(random, depth + 1)).ToList());
        }
    }

    /// <summary>Plain data, lists as string trees, so values compare by content.</summary>
    private static string Data(object? data) => data switch
    {
        null => "null",
        XlConfigValue value => Data(value.ToData()),
        string s => "s:" + s,
        IEnumerable<object> list => "[" + string.Join("|", list.Select(Data)) + "]",
        _ => data.ToString() ?? string.Empty,
    };

    private static bool HasCommaInNonTargetField(XenDiskSpec d) =>
        new[] { d.Vdev, d.Format, d.Access, d.Script, d.Backend }.Any(v => v is not null && (v.IndexOf(',') >= 0 || v.Trim() != v || v.Length == 0));
}
