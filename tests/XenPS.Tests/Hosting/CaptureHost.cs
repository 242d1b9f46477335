using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text;

namespace XenPS.Tests.Hosting;

/// <summary>
/// A PowerShell host that records what the engine shows the user: Out-Default's rendered text, "What if:" lines,
/// warnings, verbose and progress records; answers confirmation prompts from a queue; optionally echoes to the console.
/// Text is taken through GetOutputString(..., supportsVirtualTerminal: false) so it carries no ANSI escapes.
/// </summary>
public sealed class CaptureHost : PSHost
{
    private readonly CaptureUI _ui;

    public CaptureHost(bool echo = false) => _ui = new CaptureUI(echo);

    public override string Name => "XenPS.CaptureHost";
    public override Version Version => new(1, 0);
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override PSHostUserInterface UI => _ui;
    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

    public int? ExitCode { get; private set; }

    /// <summary>Everything written as text (Out-Default tables, What if lines), as one string.</summary>
    public string Text => _ui.Text;

    public IReadOnlyList<ProgressRecord> Progress => _ui.Progress.ToArray();

    /// <summary>The prompts the engine asked (caption + message) in order.</summary>
    public IReadOnlyList<string> Prompts => _ui.Prompts.ToArray();

    /// <summary>Answers for PromptForChoice, in order (0 = Yes, 1 = Yes to All, 2 = No, ...). Empty: the default choice.</summary>
    public ConcurrentQueue<int> ChoiceAnswers => _ui.ChoiceAnswers;

    /// <summary>Runs when the engine asks for a choice, before it is answered: what happens while the user reads a
    /// confirmation prompt (another admin edits a file...).</summary>
    public Action? OnChoice
    {
        get => _ui.OnChoice;
        set => _ui.OnChoice = value;
    }

    public void ClearText() => _ui.Clear();

    public override void SetShouldExit(int exitCode) => ExitCode = exitCode;
    public override void EnterNestedPrompt() => throw new NotSupportedException();
    public override void ExitNestedPrompt() => throw new NotSupportedException();
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }

    private sealed class CaptureUI : PSHostUserInterface
    {
        private readonly StringBuilder _text = new();
        private readonly object _gate = new();
        private readonly bool _echo;

        public CaptureUI(bool echo) => _echo = echo;

        public ConcurrentQueue<ProgressRecord> Progress { get; } = new();
        public ConcurrentQueue<string> Prompts { get; } = new();
        public ConcurrentQueue<int> ChoiceAnswers { get; } = new();

        public Action? OnChoice { get; set; }

        public string Text
        {
            get { lock (_gate) return _text.ToString(); }
        }

        public void Clear()
        {
            lock (_gate) _text.Clear();
        }

        public override PSHostRawUserInterface RawUI { get; } = new CaptureRawUI();

        private void Append(string text, TextWriter? echoTo = null)
        {
            var plain = GetOutputString(text, supportsVirtualTerminal: false);
            lock (_gate) _text.Append(plain);
            if (_echo) (echoTo ?? Console.Out).Write(plain);
        }

        public override void Write(string value) => Append(value);
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Append(value);
        public override void WriteLine(string value) => Append(value + "\n");
        public override void WriteErrorLine(string value) => Append(value + "\n", Console.Error);
        public override void WriteDebugLine(string message) => Append("DEBUG: " + message + "\n", Console.Error);
        public override void WriteVerboseLine(string message) => Append("VERBOSE: " + message + "\n", Console.Error);
        public override void WriteWarningLine(string message) => Append("WARNING: " + message + "\n", Console.Error);
        public override void WriteProgress(long sourceId, ProgressRecord record) => Progress.Enqueue(record);
        public override string ReadLine() => string.Empty;
        public override SecureString ReadLineAsSecureString() => new();

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions)
        {
            Prompts.Enqueue(caption + "|" + message);
            OnChoice?.Invoke();
            return new Dictionary<string, PSObject>();
        }

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            throw new NotSupportedException("No credential prompts in tests.");

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
            PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
            throw new NotSupportedException("No credential prompts in tests.");

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            Prompts.Enqueue(caption + "|" + message);
            OnChoice?.Invoke();
            return ChoiceAnswers.TryDequeue(out var answer) ? answer : defaultChoice;
        }
    }

    private sealed class CaptureRawUI : PSHostRawUserInterface
    {
        public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
        public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.White;
        public override Size BufferSize { get; set; } = new(160, 9999);
        public override Coordinates CursorPosition { get; set; }
        public override int CursorSize { get; set; }
        public override Size MaxPhysicalWindowSize => new(160, 100);
        public override Size MaxWindowSize => new(160, 100);
        public override Coordinates WindowPosition { get; set; }
        public override Size WindowSize { get; set; } = new(160, 100);
        public override string WindowTitle { get; set; } = string.Empty;
        public override bool KeyAvailable => false;
        public override void FlushInputBuffer() { }
        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();
        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException();
        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) { }
        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) { }
        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) { }
    }
}
