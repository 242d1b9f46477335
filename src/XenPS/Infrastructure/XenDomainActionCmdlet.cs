using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using XenPS.Core;
using XenPS.Core.Xl;

namespace XenPS.Infrastructure;

/// <summary>
/// Base of the cmdlets that act on running domains (Stop, Restart, Suspend, Resume, Remove, Set, Save, Move). Domains
/// come by name (wildcards), by id, or from the pipeline (XenDomain objects bind Name and ComputerName by property
/// name), are resolved with one xl list -v per host (id and UUID: <see cref="DomainFilter.SelectExact"/>, a literal
/// name never matches a domain whose name differs in case, an all-digit name is a name), confirmed with ShouldProcess,
/// then acted on one by one, by id (xl is never given the name): a failure is one non-terminating error whose target
/// is the domain's name, and the next domain is tried. Domain 0 is refused.
/// </summary>
public abstract class XenDomainActionCmdlet : XenCmdlet
{
    protected const string NameSet = "Name";
    protected const string IdSet = "Id";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(DomainNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
    [Alias("DomId", "DomainId")]
    [ValidateRange(0, int.MaxValue)]
    public int[]? Id { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("CN", "Host")]
    [ValidateNotNullOrEmpty]
    public string[]? ComputerName { get; set; }

    /// <summary>What ShouldProcess shows as the action, e.g. "Shut down (xl shutdown)".</summary>
    protected abstract string ActionDescription { get; }

    /// <summary>Whether the cmdlet may act on domain 0 (only Set-XenDomain may, e.g. to balloon Dom0's memory).</summary>
    protected virtual bool AllowsDomain0 => false;

    /// <summary>Checks the arguments once, before any domain is touched (throw a terminating error to stop).</summary>
    protected virtual void Validate() { }

    /// <summary>Acts on one domain. Throws on failure. Returns the domain to emit with -PassThru (null: read it again).</summary>
    protected abstract XenDomain? Act(XlClient xl, XenDomain domain);

    /// <summary>Called for a name or id that matches no running domain; returns true when the cmdlet dealt with it
    /// (Remove-XenDomain -RemoveConfig removes a stopped guest's files), false to report it as not found.</summary>
    protected virtual bool ActOnNotRunning(XlClient xl, object nameOrId) => false;

    /// <summary>Emits the domain after the action (the cmdlets that support -PassThru set this).</summary>
    protected virtual bool EmitResult => false;

    protected override void Begin() => Validate();

    protected override void ProcessRecord() => ForEachHost(ComputerName, xl =>
    {
        var all = Await(xl.ListAsync(CancelToken));
        var selected = DomainFilter.SelectExact(all, Name, Id, out var unmatched);
        foreach (var missing in unmatched.Where(n => !ActOnNotRunning(xl, n)))
        {
            var hint = missing is string name ? DomainFilter.NearMisses(all, name) : string.Empty;
            WriteXenError("XenDomainNotFound", ErrorCategory.ObjectNotFound,
                $"No domain with {(missing is int ? "id" : "name")} {(missing is string s ? XenDomainName.Quote(s) : $"'{missing}'")} exists on host '{xl.Host.ComputerName}'." +
                (hint.Length > 0 ? " " + hint : string.Empty), missing);
        }
        foreach (var domain in selected) ActOn(xl, domain);
    });

    /// <summary>The ShouldProcess target: "web01 (id 7) on dom0a" (a name that needs it in quotes).</summary>
    protected static string Describe(XenDomain domain) => $"{XenDomainName.Display(domain.Name)} (id {domain.Id}) on {domain.ComputerName}";

    private void ActOn(XlClient xl, XenDomain domain)
    {
        if (domain.Id == 0 && !AllowsDomain0)
        {
            WriteXenError("XenDomain0Protected", ErrorCategory.InvalidOperation,
                $"{MyInvocation.MyCommand.Name} does not act on Domain-0, the Dom0 itself (on {domain.ComputerName}).", domain.Name);
            return;
        }
        if (!ShouldProcess(Describe(domain), ActionDescription)) return;
        try
        {
            var result = Act(xl, domain);
            if (EmitResult)
            {
                var current = result ?? Await(xl.FindInstanceAsync(domain, CancelToken));
                if (current is not null) WriteObject(current);
            }
        }
        catch (Exception ex) when (!IsStopping(ex))
        {
            WriteXenError(ex, domain.Name);
        }
    }
}
