using System.Management.Automation;
using XenPS.Tests.Hosting;
using Xunit;

namespace XenPS.Lab.Tests;

/// <summary>Base of the lab tests: the shared lab plus a fresh runspace with the built module imported.</summary>
[Collection("Lab")]
public abstract class LabTest : IDisposable
{
    protected LabTest(LabFixture lab)
    {
        Lab = lab;
        Engine = new Engine(Host);
    }

    protected LabFixture Lab { get; }

    protected CaptureHost Host { get; } = new();

    protected Engine Engine { get; }

    protected RunResult Run(string script) => Engine.Run(script);

    protected static object? Prop(PSObject o, string name) => o.Properties[name]?.Value;

    protected static string Text(object? value) => value?.ToString() ?? string.Empty;

    public void Dispose()
    {
        Engine.Dispose();
        GC.SuppressFinalize(this);
    }
}
