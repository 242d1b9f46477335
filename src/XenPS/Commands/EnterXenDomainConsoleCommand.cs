using System;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using XenPS.Core;
using XenPS.Core.Devices;
using XenPS.Infrastructure;

namespace XenPS.Commands;

/// <summary>Connects the terminal to a running domain's console (xl console, by id): on this machine, or through
/// ssh -t on a remote host. Ctrl+] leaves the console and returns to PowerShell.</summary>
[Cmdlet(VerbsCommon.Enter, "XenDomainConsole")]
[OutputType(typeof(void))]
public sealed class EnterXenDomainConsoleCommand : XenCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(DomainNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [ValidateNotNullOrEmpty]
    public string? ComputerName { get; set; }

    protected override void ProcessRecord()
    {
        var host = ResolveSingleHost(ComputerName);
        var xl = Xl(host);
        var all = Await(xl.ListAsync(CancelToken));
        var domain = DomainFilter.SelectExact(all, new[] { Name! }, null, out _).FirstOrDefault();
        if (domain is null)
        {
            WriteXenError("XenDomainNotFound", ErrorCategory.ObjectNotFound, $"No domain with name {XenDomainName.Quote(Name!)} exists on host '{host.ComputerName}'.", Name);
            return;
        }
        if (domain.Id == 0)
        {
            WriteXenError("XenDomain0Protected", ErrorCategory.InvalidOperation, "Domain-0 has no xl console: it is the Dom0 itself (use its own terminal or serial console).", Name);
            return;
        }
        var (file, args) = XenConsoleCommand.Build(host, domain);
        WriteVerbose($"Running: {file} {string.Join(" ", args)}");
        Host.UI.WriteLine($"Connected to the console of {XenDomainName.Display(domain.Name)} (id {domain.Id}) on {host.ComputerName}. Press Ctrl+] to leave.");
        var start = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        using var registration = CancelToken.Register(() =>
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        });
        process.WaitForExit();
        if (process.ExitCode != 0 && !CancelToken.IsCancellationRequested)
        {
            WriteXenError("XenConsoleFailed", ErrorCategory.ConnectionError,
                $"{file} console of {XenDomainName.Display(domain.Name)} (id {domain.Id}) on {host.ComputerName} ended with exit code {process.ExitCode}.", Name);
        }
    }
}
