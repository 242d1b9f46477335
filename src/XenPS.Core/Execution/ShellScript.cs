using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace XenPS.Core.Execution;

/// <summary>
/// The one way XenPS makes shell text. A script is built from lines written as C# interpolated strings: the literal
/// parts are the script's own syntax (written in XenPS's source code, never taken from data), and every hole is
/// quoted as one word (<see cref="ShellQuoting.Quote"/>), so no name, path or value, wherever it comes from, is ever
/// read by sh as syntax. <see cref="Line"/> only takes a <see cref="FormattableString"/>: a plain string (which may hold
/// data) does not compile there. Holes may be strings (one quoted word), integers (decimal), a list of strings (quoted
/// words separated by spaces: <see cref="Words"/>), a variable reference (<see cref="Var"/>) or another script (one
/// quoted word: for sh -c or ssh). Anything else is refused. Values registered with <see cref="Secret"/> are masked in
/// <see cref="DisplayText"/>, which is what Verbose and Debug show. File contents written with <see cref="Bytes"/> are
/// not shown there at all (only their length).
/// </summary>
public sealed class ShellScript
{
    /// <summary>What a secret is shown as.</summary>
    public const string Mask = SecretRedactor.Mask;

    // \z, not $: in .NET, $ also matches before a final newline ("a\n" would pass).
    private static readonly Regex VariableName = new(@"^[A-Za-z_][A-Za-z0-9_]*\z", RegexOptions.CultureInvariant);
    private static readonly Regex Assignment = new("^[A-Za-z_][A-Za-z0-9_]*=", RegexOptions.CultureInvariant);
    private static readonly Regex Special = new(@"^(\?|\$|!|#|[0-9])\z", RegexOptions.CultureInvariant);

    private readonly StringBuilder _text = new();
    private readonly StringBuilder _display = new();
    private readonly HashSet<string> _secrets = new(StringComparer.Ordinal);

    /// <summary>A script of one line.</summary>
    public static ShellScript Of(FormattableString line) => new ShellScript().Line(line);

    /// <summary>Appends one line (a newline is added). Every hole becomes one quoted word.</summary>
    public ShellScript Line(FormattableString line)
    {
        if (line is null) throw new ArgumentNullException(nameof(line));
        _text.Append(Render(line)).Append('\n');
        _display.Append(RenderForDisplay(line)).Append('\n');
        AdoptSecrets(line);
        return this;
    }

    /// <summary>A nested script's secrets are this script's secrets too: its text is in this one (quoted).</summary>
    private void AdoptSecrets(FormattableString? line)
    {
        if (line is null) return;
        foreach (var arg in line.GetArguments())
        {
            if (arg is ShellScript nested)
            {
                foreach (var s in nested._secrets) _secrets.Add(s);
            }
        }
    }

    /// <summary>Appends a command made of words, each quoted (a newline is added).</summary>
    public ShellScript Command(IEnumerable<string> words)
    {
        var list = words?.ToList() ?? throw new ArgumentNullException(nameof(words));
        if (list.Count == 0) throw new ArgumentException("A command needs at least one word.", nameof(words));
        var text = QuoteWords(list);
        _text.Append(text).Append('\n');
        _display.Append(text).Append('\n');
        return this;
    }

    /// <summary>Appends a command made of words, each quoted.</summary>
    public ShellScript Command(params string[] words) => Command((IEnumerable<string>)words);

    /// <summary>Appends another script (its secrets stay secret).</summary>
    public ShellScript Append(ShellScript other)
    {
        if (other is null) throw new ArgumentNullException(nameof(other));
        _text.Append(other._text);
        _display.Append(other._display);
        foreach (var s in other._secrets) _secrets.Add(s);
        return this;
    }

    /// <summary>How many bytes of content one printf of <see cref="Bytes"/> writes.</summary>
    internal const int BytesPerPrintf = 4096;

    /// <summary>
    /// Appends a command group that writes exactly <paramref name="content"/>, byte for byte (any bytes, NUL included),
    /// to <paramref name="redirection"/> (e.g. <c>$"> {ShellScript.Var("t")}"</c>), followed on the same line by
    /// <paramref name="then"/> (e.g. "|| fail write"). The bytes are carried in printf formats (sh's builtin: no
    /// argument-length limit), 4 KiB per printf: printable ASCII as it is, '%' as "%%", every other byte (quote,
    /// backslash, control characters, bytes above 0x7F) as a three-digit octal escape, which dash, bash, busybox sh and
    /// FreeBSD's sh and printf(1) all read as exactly that byte. The script text stays ASCII, so nothing between here
    /// and the host's sh can re-encode it. <see cref="DisplayText"/> shows only the length: file contents (which may hold
    /// secrets) never reach Verbose or Debug.
    /// </summary>
    public ShellScript Bytes(byte[] content, FormattableString redirection, FormattableString? then = null)
    {
        if (content is null) throw new ArgumentNullException(nameof(content));
        if (redirection is null) throw new ArgumentNullException(nameof(redirection));
        var tail = " " + Render(redirection) + (then is null ? string.Empty : " " + Render(then));
        var displayTail = " " + RenderForDisplay(redirection) + (then is null ? string.Empty : " " + RenderForDisplay(then));
        if (content.Length == 0)
        {
            _text.Append(':').Append(tail).Append('\n');
            _display.Append(':').Append(displayTail).Append('\n');
            AdoptSecrets(redirection);
            AdoptSecrets(then);
            return this;
        }
        _text.Append("{ ");
        for (var offset = 0; offset < content.Length; offset += BytesPerPrintf)
        {
            var format = PrintfFormat(content, offset, Math.Min(BytesPerPrintf, content.Length - offset));
            _text.Append("printf ").Append(QuoteWord(format)).Append(" &&\n");
        }
        _text.Append(":; }").Append(tail).Append('\n');
        _display.Append("{ printf '<").Append(content.Length.ToString(CultureInfo.InvariantCulture))
            .Append(" bytes, not shown>'; }").Append(displayTail).Append('\n');
        AdoptSecrets(redirection);
        AdoptSecrets(then);
        return this;
    }

    /// <summary>A printf format that prints exactly these bytes (see <see cref="Bytes"/>).</summary>
    internal static string PrintfFormat(byte[] bytes, int offset, int count)
    {
        var sb = new StringBuilder(count * 2);
        for (var i = offset; i < offset + count; i++)
        {
            var b = bytes[i];
            // A leading '-' would be taken for an option by printf(1) (FreeBSD's uses getopt).
            if (b == (byte)'%') sb.Append("%%");
            else if (b >= 0x20 && b <= 0x7E && b != (byte)'\'' && b != (byte)'\\' && !(b == (byte)'-' && i == offset)) sb.Append((char)b);
            else sb.Append('\\').Append((char)('0' + ((b >> 6) & 7))).Append((char)('0' + ((b >> 3) & 7))).Append((char)('0' + (b & 7)));
        }
        return sb.ToString();
    }

    /// <summary>Registers a value that must never be shown: <see cref="DisplayText"/> masks every occurrence.</summary>
    public ShellScript Secret(string? value)
    {
        if (!string.IsNullOrEmpty(value)) _secrets.Add(value!);
        return this;
    }

    /// <summary>The values registered with <see cref="Secret"/>.</summary>
    public IReadOnlyCollection<string> Secrets => _secrets;

    /// <summary>The script as sh runs it.</summary>
    public string Text => _text.ToString();

    /// <summary>The script for Verbose, Debug and error messages: every registered secret masked, and whatever
    /// <see cref="SecretRedactor"/> recognises as a password (a config file's vncpasswd in a command).</summary>
    public string DisplayText => SecretRedactor.Redact(Redact(_display.ToString()));

    /// <summary>Masks this script's secrets in any text, e.g. a program's output: as they are, quoted as a word, and
    /// escaped the way a quoted hole writes them inside a longer value ('\'' for each ') or inside nested scripts (the
    /// escape applied again at each level).</summary>
    public string Redact(string text)
    {
        if (_secrets.Count == 0 || string.IsNullOrEmpty(text)) return text;
        var forms = new HashSet<string>(StringComparer.Ordinal);
        foreach (var secret in _secrets)
        {
            if (secret.IndexOf('\0') < 0) forms.Add(QuoteWord(secret));
            var form = secret;
            for (var depth = 0; depth <= MaxNesting; depth++)
            {
                forms.Add(form);
                form = form.Replace("'", "'\\''");
            }
        }
        // Longest first, so that a form that contains another is masked whole.
        foreach (var form in forms.OrderByDescending(f => f.Length).ThenBy(f => f, StringComparer.Ordinal))
        {
            text = text.Replace(form, Mask);
        }
        return text;
    }

    /// <summary>How many levels of nested scripts (a script in sh -c in ssh...) <see cref="Redact"/> looks through.</summary>
    private const int MaxNesting = 4;

    public bool IsEmpty => _text.Length == 0;

    public override string ToString() => DisplayText;

    /// <summary>A hole that expands a shell variable of the script: "$name" (double-quoted: one word, never split or
    /// globbed). Special parameters ($?, $$, $!, $#, $0-$9) are allowed.</summary>
    public static ShellFragment Var(string name)
    {
        if (name is null || !(VariableName.IsMatch(name) || Special.IsMatch(name)))
            throw new ArgumentException($"'{name}' is not a shell variable name.", nameof(name));
        return new ShellFragment("\"$" + (name.Length == 1 ? name : "{" + name + "}") + "\"");
    }

    /// <summary>A hole of several words, each quoted, separated by spaces.</summary>
    public static ShellFragment Words(IEnumerable<string> words) => new(QuoteWords(words?.ToList() ?? throw new ArgumentNullException(nameof(words))));

    /// <summary>A hole of several words, each quoted, separated by spaces.</summary>
    public static ShellFragment Words(params string[] words) => Words((IEnumerable<string>)words);

    private static string QuoteWords(IReadOnlyList<string> words)
    {
        foreach (var w in words) CheckWord(w);
        return string.Join(" ", words.Select(QuoteWord));
    }

    /// <summary>One word for sh: <see cref="ShellQuoting.Quote"/>, and also quoted when it has the form of an
    /// assignment (NAME=value), which sh would take as one in the place of a command name.</summary>
    public static string QuoteWord(string word)
    {
        CheckWord(word);
        var quoted = ShellQuoting.Quote(word);
        return quoted == word && Assignment.IsMatch(word) ? "'" + word + "'" : quoted;
    }

    private static void CheckWord(string? word)
    {
        if (word is null) throw new ArgumentException("A shell word cannot be null.");
        if (word.IndexOf('\0') >= 0) throw new ArgumentException("A shell word cannot contain a NUL character (no program argument can).");
    }

    private static string Render(FormattableString line) => line.ToString(Formatter.Instance);

    private static string RenderForDisplay(FormattableString line) => line.ToString(Formatter.Display);

    /// <summary>Quotes every hole of an interpolated string.</summary>
    private sealed class Formatter : IFormatProvider, ICustomFormatter
    {
        public static readonly Formatter Instance = new(false);

        /// <summary>Renders a nested script by its display text.</summary>
        public static readonly Formatter Display = new(true);

        private readonly bool _display;

        private Formatter(bool display) => _display = display;

        public object? GetFormat(Type? formatType) => formatType == typeof(ICustomFormatter) ? this : null;

        public string Format(string? format, object? arg, IFormatProvider? formatProvider)
        {
            switch (arg)
            {
                case null:
                    throw new ArgumentException("A hole of a shell script is null.");
                case string word:
                    if (!string.IsNullOrEmpty(format)) throw new ArgumentException("A string hole of a shell script takes no format.");
                    return QuoteWord(word);
                case ShellFragment fragment:
                    return fragment.Text;
                case ShellScript script:
                    return QuoteWord(_display ? script._display.ToString() : script.Text);
                case int or long or short or byte or uint or ulong or ushort or sbyte:
                    return ((IFormattable)arg).ToString(string.IsNullOrEmpty(format) ? null : format, CultureInfo.InvariantCulture) is var number &&
                           number.All(c => (c >= '0' && c <= '9') || c == '-')
                        ? number
                        : throw new ArgumentException($"The format '{format}' does not give a plain number.");
                case IEnumerable<string> words:
                    return QuoteWords(words.ToList());
                default:
                    throw new ArgumentException($"A hole of a shell script must be a string, an integer, a list of strings, a ShellFragment or a ShellScript, not {arg.GetType().Name}.");
            }
        }
    }
}

/// <summary>A piece of shell text made by <see cref="ShellScript"/> itself (a quoted word list, a variable reference).
/// It cannot be made from data: its constructor is internal.</summary>
public sealed class ShellFragment
{
    internal ShellFragment(string text) => Text = text;

    internal string Text { get; }

    public override string ToString() => Text;
}
