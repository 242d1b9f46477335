using System.Collections.Generic;
using System.Linq;
using XenPS.Core.Execution;
using XenPS.Core.Hosts;
using XenPS.Core.Xl;

namespace XenPS.Core.Devices;

/// <summary>The program and arguments that hand a terminal to xl console of one domain (by id): xl itself on this
/// machine, or ssh -t to the host running the same command (a ShellScript, as every remote command).</summary>
public static class XenConsoleCommand
{
    public static (string FileName, IReadOnlyList<string> Arguments) Build(IXenHost host, XenDomain domain)
    {
        var id = XlClient.IdArgument(domain.Id);
        if (host is SshXenHost ssh)
        {
            var script = SshXenHost.PathPrelude.Line($"exec xl console {id}");
            var args = ssh.BuildSshArguments().ToList();
            // an interactive terminal instead of a script on standard input: -t, and the command itself in place of "/bin/sh -s"
            args[args.IndexOf("-T")] = "-t";
            args.RemoveRange(args.Count - 2, 2);
            args.Add(script.Text);
            return ("ssh", args);
        }
        return (ToolResolver.Resolve("xl") ?? "xl", new[] { "console", id });
    }
}
