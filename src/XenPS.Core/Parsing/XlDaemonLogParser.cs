using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;

namespace XenPS.Core.Parsing;

/// <summary>What xl's daemon (the process `xl create` leaves behind to watch a domain) did with one instance.</summary>
public enum XlDaemonOutcome
{
    /// <summary>The log does not say (no log, another daemon, or the daemon has not written it yet).</summary>
    Unknown,

    /// <summary>The instance is still watched: nothing has happened to it yet.</summary>
    Watching,

    /// <summary>The daemon is done with the domain: it was destroyed, or shut down and cleaned up, and nothing comes back.</summary>
    Exited,

    /// <summary>The instance shut down with a reason whose action restarts it (on_reboot="restart", the default; also
    /// rename-restart, coredump-restart, soft-reset): a new instance under the same name comes, about 2 s later.</summary>
    Restarting,
}

/// <summary>
/// Reads the log of xl's daemon (/var/log/xen/xl-NAME.log) for what became of one domain id. The lines are those of
/// xl_vmcontrol.c: "Waiting for domain NAME (domid N) to die [pid P]", "Domain N has shut down, reason code R 0xF",
/// "Action for shutdown reason code R is ACTION", "Domain N needs to be cleaned up: destroying the domain",
/// "Done. Rebooting now" (then, after a fixed 2 s sleep, the new instance) or "Done. Exiting now", and
/// "Domain N has been destroyed." when it was destroyed from outside (xl destroy).
/// </summary>
public static class XlDaemonLogParser
{
    private static readonly Regex Waiting = new(@"^Waiting for domain .* \(domid (?<id>\d+)\) to die", RegexOptions.CultureInvariant);
    private static readonly Regex ShutDown = new(@"^Domain (?<id>\d+) has shut down, reason code", RegexOptions.CultureInvariant);
    private static readonly Regex Destroyed = new(@"^Domain (?<id>\d+) has been destroyed\.", RegexOptions.CultureInvariant);
    private static readonly Regex Action = new(@"^Action for shutdown reason code \d+ is (?<action>\S+)", RegexOptions.CultureInvariant);

    public static XlDaemonOutcome Outcome(IEnumerable<string> lines, int domainId)
    {
        var id = domainId.ToString(CultureInfo.InvariantCulture);
        var outcome = XlDaemonOutcome.Unknown;
        var shutDown = false;
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd('\r').Trim();
            Match m;
            if ((m = Waiting.Match(line)).Success)
            {
                // Another instance's watch begins: what follows is about that one (until ours comes again).
                var ours = m.Groups["id"].Value == id;
                shutDown = false;
                if (ours) outcome = XlDaemonOutcome.Watching;
                else if (outcome is XlDaemonOutcome.Watching) outcome = XlDaemonOutcome.Unknown;
                continue;
            }
            if ((m = Destroyed.Match(line)).Success)
            {
                if (m.Groups["id"].Value == id) outcome = XlDaemonOutcome.Exited;
                continue;
            }
            if ((m = ShutDown.Match(line)).Success)
            {
                shutDown = m.Groups["id"].Value == id;
                continue;
            }
            if (!shutDown) continue;
            if ((m = Action.Match(line)).Success)
            {
                var action = m.Groups["action"].Value;
                outcome = action.IndexOf("restart", StringComparison.Ordinal) >= 0 || action == "soft-reset"
                    ? XlDaemonOutcome.Restarting
                    : outcome;
            }
            else if (line.StartsWith("Done. Rebooting now", StringComparison.Ordinal)) outcome = XlDaemonOutcome.Restarting;
            else if (line.StartsWith("Done. Exiting now", StringComparison.Ordinal)) outcome = XlDaemonOutcome.Exited;
        }
        return outcome;
    }
}
