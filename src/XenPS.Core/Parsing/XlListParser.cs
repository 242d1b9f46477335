using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;

namespace XenPS.Core.Parsing;

/// <summary>
/// Parses the table of `xl list` (and `xl list -v`). xl prints each row with "%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f":
/// a name longer than 40 characters pushes the other columns right and a CPU time over 8 characters widens its column,
/// so rows are split from the right: the name is everything before the last run of id, mem, vcpus, state and time.
/// Extra columns after the time (-v: UUID, reason code, security label; -c: cpupool; future columns) never break it.
/// </summary>
public static class XlListParser
{
    private static readonly Regex StatePattern = new("^[r-][b-][p-][s-][-rscwS?][d-]$", RegexOptions.CultureInvariant);
    private static readonly Regex UuidPattern = new("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", RegexOptions.CultureInvariant);

    public static List<XenDomain> Parse(string output, string computerName = "localhost")
    {
        var domains = new List<XenDomain>();
        foreach (var rawLine in output.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Trim().Length == 0 || IsHeader(line)) continue;
            var domain = ParseRow(line);
            if (domain is null) continue;
            domain.ComputerName = computerName;
            domains.Add(domain);
        }
        return domains;
    }

    private static bool IsHeader(string line) =>
        line.StartsWith("Name", StringComparison.Ordinal) && line.IndexOf("VCPUs", StringComparison.Ordinal) > 0;

    /// <summary>Parses one row; null for a line that is not a domain row.</summary>
    public static XenDomain? ParseRow(string line)
    {
        var tokens = Tokenize(line);
        // Find the rightmost position where "id mem vcpus state time" fits; the name is what lies before it.
        for (var i = tokens.Count - 2; i >= 4; i--)
        {
            if (!StatePattern.IsMatch(tokens[i].Text)) continue;
            if (!TryTime(tokens[i + 1].Text, out var seconds)) continue;
            if (!int.TryParse(tokens[i - 3].Text, NumberStyles.None, CultureInfo.InvariantCulture, out var id)) continue;
            if (!long.TryParse(tokens[i - 2].Text, NumberStyles.None, CultureInfo.InvariantCulture, out var mem)) continue;
            if (!int.TryParse(tokens[i - 1].Text, NumberStyles.None, CultureInfo.InvariantCulture, out var vcpus)) continue;
            var name = line.Substring(0, tokens[i - 3].Start).Trim();
            if (name.Length == 0) continue;

            var state = tokens[i].Text;
            var domain = new XenDomain
            {
                Name = name,
                Id = id,
                MemoryMB = mem,
                VCpus = vcpus,
                StateText = state,
                State = DecodeState(state, out var reason),
                ShutdownReason = reason,
                CpuTime = TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond)),
            };
            ReadExtras(domain, tokens, i + 2);
            return domain;
        }
        return null;
    }

    /// <summary>Decodes the six State characters: r b p s, the shutdown reason letter, d.</summary>
    public static XenDomainState DecodeState(string state, out XenShutdownReason reason)
    {
        var flags = XenDomainState.None;
        reason = XenShutdownReason.None;
        if (state.Length < 6) return flags;
        if (state[0] == 'r') flags |= XenDomainState.Running;
        if (state[1] == 'b') flags |= XenDomainState.Blocked;
        if (state[2] == 'p') flags |= XenDomainState.Paused;
        if (state[3] == 's') flags |= XenDomainState.Shutdown;
        if (state[5] == 'd') flags |= XenDomainState.Dying;
        reason = state[4] switch
        {
            '-' => (flags & XenDomainState.Shutdown) != 0 ? XenShutdownReason.PowerOff : XenShutdownReason.None,
            'r' => XenShutdownReason.Reboot,
            's' => XenShutdownReason.Suspend,
            'c' => XenShutdownReason.Crash,
            'w' => XenShutdownReason.Watchdog,
            'S' => XenShutdownReason.SoftReset,
            _ => XenShutdownReason.Unknown,
        };
        if (reason == XenShutdownReason.Crash) flags |= XenDomainState.Crashed;
        return flags;
    }

    private static void ReadExtras(XenDomain domain, List<Token> tokens, int start)
    {
        // xl list -v: " %s %8x|%8s" then " %16s": UUID, reason code (hex) or "-", security label.
        if (start >= tokens.Count || !UuidPattern.IsMatch(tokens[start].Text)) return;
        domain.Uuid = Guid.Parse(tokens[start].Text);
        if (start + 1 < tokens.Count)
        {
            var code = tokens[start + 1].Text;
            if (code != "-" && int.TryParse(code, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var rc)) domain.ReasonCode = rc;
        }
        // The label is one word (" %16s"); -c's cpupool or any later column follows it.
        if (start + 2 < tokens.Count) domain.SecurityLabel = tokens[start + 2].Text;
    }

    private static bool TryTime(string text, out double seconds) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out seconds);

    private readonly struct Token
    {
        public Token(int start, string text) { Start = start; Text = text; }
        public int Start { get; }
        public string Text { get; }
    }

    private static List<Token> Tokenize(string line)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
            if (i >= line.Length) break;
            var start = i;
            while (i < line.Length && !char.IsWhiteSpace(line[i])) i++;
            tokens.Add(new Token(start, line.Substring(start, i - start)));
        }
        return tokens;
    }
}
