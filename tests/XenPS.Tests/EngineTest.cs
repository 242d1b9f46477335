using System.Management.Automation;
using XenPS.Tests.Hosting;
using Xunit;

namespace XenPS.Tests;

/// <summary>Base of engine tests: a fresh runspace with the module imported and a fake xl on PATH per test.</summary>
[Collection("FakeXl")]
public abstract class EngineTest : IDisposable
{
    protected EngineTest()
    {
        Scope = new FakeXlScope(new FakeXl());
        Engine = new Engine(Host);
    }

    protected CaptureHost Host { get; } = new();

    protected Engine Engine { get; }

    protected FakeXlScope Scope { get; }

    protected FakeXl Xl => Scope.Fake;

    protected RunResult Run(string script) => Engine.Run(script);

    /// <summary>Reads a property of an output object through PowerShell's adapter.</summary>
    protected static object? Prop(PSObject o, string name) => o.Properties[name]?.Value;

    /// <summary>An enum value of the module's own types, as text (the test assembly does not reference the module).</summary>
    protected static string Text(object? value) => value?.ToString() ?? string.Empty;

    /// <summary>Extra clean-up of a test class (temporary files).</summary>
    protected virtual void Cleanup() { }

    public void Dispose()
    {
        Cleanup();
        Engine.Dispose();
        Scope.Dispose();
        GC.SuppressFinalize(this);
    }
}
