namespace XenPS.Core.Execution;

/// <summary>Where Core writes what a cmdlet shows on its Verbose, Debug and Warning streams. Implementations must
/// accept calls from any thread (the cmdlets queue them and write them on the pipeline thread).</summary>
public interface IXenOutput
{
    void WriteVerbose(string text);
    void WriteDebug(string text);
    void WriteWarning(string text);
}

/// <summary>Discards everything (headless use, tests).</summary>
public sealed class NullXenOutput : IXenOutput
{
    public static NullXenOutput Instance { get; } = new();
    public void WriteVerbose(string text) { }
    public void WriteDebug(string text) { }
    public void WriteWarning(string text) { }
}
