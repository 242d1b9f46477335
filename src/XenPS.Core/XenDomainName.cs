using System;
using System.Globalization;
using System.Linq;
using System.Text;
using XenPS.Core.Execution;

namespace XenPS.Core;

/// <summary>
/// XenPS's one rule for domain names, checked wherever a name is used to make something: a new domain (New-XenDomU,
/// Start-XenDomain, Set-XenDomUConfig's name key), a file named after a domain (&lt;dir&gt;/NAME.cfg,
/// /var/log/xen/xl-NAME.log, an autostart link, a checkpoint in a directory).
/// <para>
/// libxl itself only asks for a name that no other domain has (strcmp: names differ by case), and xl reads any
/// all-digit argument as a domain id. So the rule is XenPS's: 1 to 64 ASCII letters, digits and <c>. _ + @ : -</c>,
/// starting with a letter or a digit (never '-' or '.': no option, no hidden file, no "." or ".."), not only digits,
/// not Domain-0 in any case, and not ending in --incoming or --migratedaway (the names xl gives a domain while it is
/// migrated). Nothing in it needs quoting in a shell or in a file name.
/// </para>
/// <para>
/// Names that xl shows may break it (a domain made with plain xl); such domains are listed and acted on by id, and
/// every message shows their name through <see cref="Quote"/>.
/// </para>
/// </summary>
public static class XenDomainName
{
    /// <summary>The longest name the rule allows.</summary>
    public const int MaxLength = 64;

    /// <summary>The rule in one sentence, for messages and help.</summary>
    public const string Rule =
        "A domain name has 1 to 64 ASCII letters, digits and . _ + @ : -, starts with a letter or a digit, is not only digits " +
        "(xl reads an all-digit name as a domain id), is not Domain-0, and does not end in --incoming or --migratedaway.";

    private static readonly string[] TransitSuffixes = { "--incoming", "--migratedaway" };

    /// <summary>True when <paramref name="name"/> follows the rule.</summary>
    public static bool IsValid(string? name) => Problem(name) is null;

    /// <summary>What breaks the rule, as the end of a sentence that begins with "it " ("contains a space"), or null
    /// when the name follows it.</summary>
    public static string? Problem(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "is empty";
        if (name!.Length > MaxLength) return $"has {name.Length} characters (at most {MaxLength})";
        foreach (var c in name)
        {
            if (char.IsControl(c)) return $"contains a control character (U+{(int)c:X4})";
            if (char.IsWhiteSpace(c)) return "contains white space";
            if (c == '/') return "contains '/', which no file name can hold";
            if (c is '\'' or '"' or '`') return "contains a quote";
            if (!IsAllowed(c)) return c > 0x7e ? $"contains '{c}' (only ASCII letters, digits and . _ + @ : - are allowed)" : $"contains '{c}'";
        }
        if (!IsAsciiLetterOrDigit(name[0])) return $"starts with '{name[0]}' (it must start with a letter or a digit)";
        if (name.All(IsAsciiDigit)) return "is only digits: xl reads an all-digit name as a domain id";
        if (string.Equals(name, "Domain-0", StringComparison.OrdinalIgnoreCase)) return "is Domain-0, the name of the Dom0 itself";
        foreach (var suffix in TransitSuffixes)
        {
            if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) return $"ends in '{suffix}', which xl gives a domain while it is migrated";
        }
        return null;
    }

    /// <summary>Throws XenInvalidDomainName (InvalidArgument) when <paramref name="name"/> breaks the rule; the message
    /// says what is wrong, and <paramref name="where"/> where the name came from (e.g. "the name in /etc/xen/a.cfg").</summary>
    public static void Validate(string? name, string? where = null)
    {
        var problem = Problem(name);
        if (problem is null) return;
        var subject = where is null ? Quote(name ?? string.Empty) : $"{where} ({Quote(name ?? string.Empty)})";
        throw new XenException("XenInvalidDomainName", XenErrorKind.InvalidArgument, $"{subject} cannot be a domain name: it {problem}. {Rule}");
    }

    /// <summary>The name in single quotes for messages, with control characters written as \xNN (and quotes and
    /// backslashes as \' and \\) so that nothing a name holds can break a line or a terminal.</summary>
    public static string Quote(string name)
    {
        var sb = new StringBuilder(name.Length + 2).Append('\'');
        foreach (var c in name)
        {
            if (c == '\'' || c == '\\') sb.Append('\\').Append(c);
            else if (char.IsControl(c)) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.Append('\'').ToString();
    }

    /// <summary>The name as it is when it holds only the characters of the rule (and starts with a letter or a digit),
    /// else <see cref="Quote"/>d: for messages and ShouldProcess targets.</summary>
    public static string Display(string name) =>
        name.Length > 0 && IsAsciiLetterOrDigit(name[0]) && name.All(IsAllowed) ? name : Quote(name);

    private static bool IsAllowed(char c) => IsAsciiLetterOrDigit(c) || c is '.' or '_' or '+' or '@' or ':' or '-';

    private static bool IsAsciiLetterOrDigit(char c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' || IsAsciiDigit(c);

    private static bool IsAsciiDigit(char c) => c is >= '0' and <= '9';
}
