using System;
using XenPS.Core.Execution;

namespace XenPS.Core.Hosts;

/// <summary>
/// A supervised remote run: the script that makes a long operation on an SSH host (xl save, restore, migrate, create,
/// pkg, zfs) stop when XenPS stops waiting for it. Killing the local ssh is not enough: the remote shell runs without
/// a terminal (ssh -T), so nothing sends it SIGHUP, and sshd keeps the command running until it ends by itself.
///
/// The wrapper, read whole by the remote sh before anything runs (one brace group), does this:
/// <list type="number">
/// <item>keeps the session's standard input on fd 3 as the lifeline: XenPS holds its end open for as long as it waits
/// (<see cref="CommandSpec.KeepStandardInputOpen"/>), so it reaches its end exactly when XenPS goes away: Ctrl+C, the
/// local time limit (both kill the local ssh, whose master then closes the session's input), a cut connection
/// (sshd exits), or a crashed PowerShell;</item>
/// <item>starts the work as /bin/sh -c WORK in a process group of its own: setsid(1) where it exists (Linux), else
/// job control (set -m: FreeBSD's sh gives each background job its own group even without a terminal); dash refuses
/// set -m without a terminal, hence setsid first;</item>
/// <item>runs cat on the lifeline and a guard that checks every second whether the work still runs, the lifeline
/// (cat) has ended, the session's sshd ($PPID) is gone, or the remote deadline (the local time limit plus a margin,
/// counted on the remote clock from the start) has passed;</item>
/// <item>stops the work when one of those happens (<see cref="RemoteStopMode"/>): a single program through its child
/// processes first (xl migrate's ssh transport, libxl's save helper), so that it fails as when its transport breaks and
/// cleans up after itself (xl migrate resumes the guest at the sender); xl save and xl migrate through their helpers
/// only, also those that start later (<see cref="RemoteStopMode.HelpersOnly"/>); a work that handles SIGTERM itself (the
/// not-live move) through SIGTERM to its first process only; either has up to <see cref="LeaderGraceSeconds"/> s to
/// end; then (or at once for a plain script) SIGTERM to the whole group, and SIGKILL after
/// <see cref="TermGraceSeconds"/> s;</item>
/// <item>otherwise waits for the work and exits with its exit code, after ending cat and the guard (by pid: never the
/// group, which may hold daemons the work left behind on purpose, like xl create's domain monitor; those call
/// setsid themselves anyway); when the guard is stopping the work (it ends cat first, so the main shell can tell),
/// the main shell waits for it to finish instead.</item>
/// </list>
/// Helper processes keep no copy of the session's output open once the work ends, so the session closes at once.
/// Where neither setsid nor job control works, the work's own process and its direct children are stopped.
/// </summary>
internal static class RemoteSupervisor
{
    /// <summary>How long a work stopped through its children (or through its own TERM trap) has to end by itself.</summary>
    public const int LeaderGraceSeconds = 30;

    /// <summary>How long xl save or xl migrate, stopped through its helpers, has to end by itself: longer than libxl's
    /// own wait for a guest to acknowledge a suspend request (60 s), after which xl resumes the guest.</summary>
    public const int HelperGraceSeconds = 90;

    /// <summary>How long the group has between SIGTERM and SIGKILL.</summary>
    public const int TermGraceSeconds = 3;

    /// <summary>How much later than the local time limit the remote deadline falls: the local side stops first and
    /// reports the time-out; the remote deadline only matters when the remote side cannot know (a cut network).</summary>
    public static readonly TimeSpan DeadlineMargin = TimeSpan.FromSeconds(10);

    /// <summary>The remote deadline for a local time limit (0: none).</summary>
    public static int DeadlineSeconds(TimeSpan? localTimeout) =>
        localTimeout is { } t && t > TimeSpan.Zero ? (int)Math.Ceiling((t + DeadlineMargin).TotalSeconds) : 0;

    /// <summary>Wraps <paramref name="work"/> (a complete script, PATH set up included) into a supervised run.</summary>
    public static ShellScript Wrap(ShellScript work, TimeSpan? localTimeout, RemoteStopMode stop) =>
        Wrap(work, DeadlineSeconds(localTimeout), stop);

    /// <summary>
    /// Wraps <paramref name="work"/> into a supervised run with a remote deadline of <paramref name="deadlineSeconds"/>
    /// (0: none). <paramref name="before"/> runs first, in the main shell (its standard input is already /dev/null);
    /// <paramref name="after"/> runs in the main shell once the work has ended, stopped or not: "$xenps_r" is the work's
    /// exit code and "$xenps_stopped" is 1 when the supervisor stopped it (lifeline gone, session gone or deadline).
    /// The main shell itself is never stopped by the supervisor: what <paramref name="after"/> does happens even when
    /// XenPS is gone (it must then not depend on writing to the session: ignore SIGPIPE). Without
    /// <paramref name="after"/> the run exits with the work's exit code.
    /// </summary>
    public static ShellScript Wrap(ShellScript work, int deadlineSeconds, RemoteStopMode stop, ShellScript? before = null, ShellScript? after = null)
    {
        var deadline = Math.Max(0, deadlineSeconds);
        var mode = stop switch
        {
            RemoteStopMode.ChildrenFirst => "children",
            RemoteStopMode.HelpersOnly => "helpers",
            RemoteStopMode.LeaderFirst => "leader",
            _ => "group",
        };
        var s = new ShellScript();
        foreach (var secret in work.Secrets) s.Secret(secret);
        s.Line($"{{");
        s.Line($"exec 3<&0 </dev/null");
        // A run with an after-part must live to run it: once the session is gone, a write to it would kill the main
        // shell by SIGPIPE (seen on the lab when a connection was cut during Save-XenDomain: the after-part never ran
        // and the empty checkpoint file stayed). Ignored here, SIGPIPE stays ignored for the work too (a shell cannot
        // undo an ignore it inherited), so xl save or xl migrate fail on a broken pipe with EPIPE and clean up (resume
        // the guest) instead of dying in the middle.
        if (after is not null) s.Line($"trap '' PIPE HUP");
        if (before is not null) s.Append(before);
        s.Line($"xenps_g=0");
        s.Line($"if command -v setsid >/dev/null 2>&1; then");
        s.Line($"  setsid /bin/sh -c {work} 3<&- & xenps_w=$!; xenps_g=1");
        s.Line($"else");
        s.Line($"  set -m 2>/dev/null; case $- in *m*) xenps_g=1 ;; esac");
        s.Line($"  /bin/sh -c {work} 3<&- & xenps_w=$!");
        s.Line($"  set +m 2>/dev/null");
        s.Line($"fi");
        s.Line($"cat <&3 >/dev/null 2>&1 3<&- & xenps_c=$!");
        s.Line($"exec 3<&-");
        // The guard. Its standard output is /dev/null; its standard error stays the session's for the one line it
        // writes when the deadline passes (it is ended by pid with the rest as soon as the work ends).
        s.Line($"(");
        s.Line($"  trap '' PIPE");
        s.Line($"  xenps_p=$PPID; xenps_d={deadline}; xenps_e=0");
        // date's errors go to /dev/null: when the guard is ended while date runs, date (SIGPIPE ignored) would report
        // its broken pipe on the session's standard error.
        s.Line($"  [ \"$xenps_d\" -gt 0 ] && xenps_e=$(( $(date +%s 2>/dev/null) + xenps_d ))");
        s.Line($"  xenps_alive() {{ if [ \"$xenps_g\" = 1 ]; then kill -s 0 -- \"-$xenps_w\" 2>/dev/null; else kill -s 0 \"$xenps_w\" 2>/dev/null; fi; }}");
        s.Line($"  xenps_signal() {{ if [ \"$xenps_g\" = 1 ]; then kill -s \"$1\" -- \"-$xenps_w\" 2>/dev/null; else kill -s \"$1\" \"$xenps_w\" 2>/dev/null; pkill -\"$1\" -P \"$xenps_w\" 2>/dev/null; fi; }}");
        // The helpers of xl save and xl migrate by name (pkill -x matches the process name: 15 characters on Linux, 19 on FreeBSD): libxl's save
        // helper, and the migration transport (sh -c "ssh ..."); never the hotplug scripts xl runs when it destroys a
        // saved or migrated domain (block, vif-bridge...), which a stop must not cut in the middle.
        s.Line($"  xenps_helpers() {{ pkill -TERM -P \"$xenps_w\" -x 'libxl-save-help(er)?|ssh|sh' 2>/dev/null; }}");
        s.Line($"  while kill -s 0 \"$xenps_w\" 2>/dev/null; do");
        s.Line($"    xenps_why=''");
        s.Line($"    if ! kill -s 0 \"$xenps_c\" 2>/dev/null; then xenps_why=lifeline");
        s.Line($"    elif ! kill -s 0 \"$xenps_p\" 2>/dev/null; then xenps_why=session");
        s.Line($"    elif [ \"$xenps_e\" -gt 0 ] && [ \"$(date +%s 2>/dev/null)\" -ge \"$xenps_e\" ] 2>/dev/null; then xenps_why=deadline");
        s.Line($"    fi");
        s.Line($"    if [ -n \"$xenps_why\" ]; then");
        s.Line($"      kill \"$xenps_c\" 2>/dev/null");
        s.Line($"      [ \"$xenps_why\" = deadline ] && echo \"xenps: the remote time limit of $xenps_d s passed: stopping the command\" >&2");
        s.Line($"      xenps_m={mode}; xenps_n=0");
        // A program without children (nothing to cut) goes straight to SIGTERM of the group.
        s.Line($"      [ \"$xenps_m\" = children ] && {{ pkill -TERM -P \"$xenps_w\" 2>/dev/null || xenps_m=group; }}");
        s.Line($"      [ \"$xenps_m\" = helpers ] && xenps_helpers");
        s.Line($"      [ \"$xenps_m\" = leader ] && kill -s TERM \"$xenps_w\" 2>/dev/null");
        s.Line($"      if [ \"$xenps_m\" != group ]; then");
        s.Line($"        xenps_gr={LeaderGraceSeconds}; [ \"$xenps_m\" = helpers ] && xenps_gr={HelperGraceSeconds}");
        // A helper started since the last look gets its SIGTERM too (xl save forks libxl's save helper only after it has
        // written the file's header).
        s.Line($"        while kill -s 0 \"$xenps_w\" 2>/dev/null && [ \"$xenps_n\" -lt \"$xenps_gr\" ]; do sleep 1 >/dev/null 2>&1; xenps_n=$((xenps_n + 1)); [ \"$xenps_m\" = helpers ] && kill -s 0 \"$xenps_w\" 2>/dev/null && xenps_helpers; done");
        s.Line($"      fi");
        s.Line($"      xenps_signal TERM; xenps_n=0");
        s.Line($"      while xenps_alive && [ \"$xenps_n\" -lt {TermGraceSeconds} ]; do sleep 1 >/dev/null 2>&1; xenps_n=$((xenps_n + 1)); done");
        s.Line($"      xenps_signal KILL");
        s.Line($"      break");
        s.Line($"    fi");
        s.Line($"    sleep 1 >/dev/null 2>&1");
        s.Line($"  done");
        s.Line($") </dev/null >/dev/null & xenps_k=$!");
        s.Line($"wait \"$xenps_w\"; xenps_r=$?");
        // The lifeline still up: a normal end, the guard and cat go. Else the guard is stopping the work (it ends cat
        // first): let it finish, so that nothing of the group is left behind.
        s.Line($"if kill -s 0 \"$xenps_c\" 2>/dev/null; then xenps_stopped=0; kill \"$xenps_k\" \"$xenps_c\" 2>/dev/null; else xenps_stopped=1; wait \"$xenps_k\"; fi");
        if (after is null) s.Line($"exit \"$xenps_r\"");
        else s.Append(after);
        s.Line($"}}");
        return s;
    }
}

/// <summary>How the supervisor stops a work (see <see cref="RemoteSupervisor"/>).</summary>
internal enum RemoteStopMode
{
    /// <summary>SIGTERM to the whole process group, then SIGKILL: a script must not go on to its next command.</summary>
    Group,

    /// <summary>A single program: SIGTERM to its child processes first (its transport or helpers), so that it fails as
    /// when those break and cleans up; then the group.</summary>
    ChildrenFirst,

    /// <summary>xl save and xl migrate: SIGTERM only to the program's child processes (libxl's save helper, which then
    /// fails its save and lets xl resume the guest; xl migrate's ssh transport), as soon as it has any (looked for
    /// every second), never to the program itself while it may be suspending the guest: a program killed there leaves
    /// the guest suspended with no one to resume it (found on the lab: a connection cut 0.3 s into Save-XenDomain, before
    /// xl had started its helper, sent SIGTERM to xl while it asked the guest to suspend). Helpers are known by name
    /// (libxl-save-helper, ssh, sh): the hotplug scripts xl runs are left alone. The group gets SIGTERM only when the
    /// program has not ended after <see cref="RemoteSupervisor.HelperGraceSeconds"/> s.</summary>
    HelpersOnly,

    /// <summary>A work that traps SIGTERM and stops itself in order (the not-live move cuts its transport and lets xl save
    /// resume the guest): SIGTERM to its first process only; then the group.</summary>
    LeaderFirst,
}
