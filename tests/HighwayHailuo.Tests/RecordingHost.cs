// A PowerShell host that records everything written to its UI: -WhatIf messages and Out-Host
// output go to the host, not to a stream, so tests read them here.
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text;

namespace HighwayHailuo.Tests;

public sealed class RecordingHost : PSHost
{
    private readonly RecordingHostUI _ui = new();

    public override string Name => "HighwayHailuoTestHost";
    public override Version Version => new(1, 0);
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
    public override PSHostUserInterface UI => _ui;

    /// <summary>Everything written to the host so far.</summary>
    public string Text => _ui.Text;

    /// <summary>The same without ANSI escape sequences (PowerShell 7 styles table headers).</summary>
    public string PlainText => StripEscapes(Text);

    public static string StripEscapes(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\x1b\[[0-9;]*[A-Za-z]", "");

    public void Clear() => _ui.Clear();

    /// <summary>Whether the host says it renders VT escape sequences (off by default, like a redirected host).</summary>
    public bool VirtualTerminal { get => _ui.VirtualTerminal; set => _ui.VirtualTerminal = value; }

    public override void EnterNestedPrompt() => throw new NotSupportedException();
    public override void ExitNestedPrompt() => throw new NotSupportedException();
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
    public override void SetShouldExit(int exitCode) { }

    private sealed class RecordingHostUI : PSHostUserInterface
    {
        private readonly StringBuilder _text = new();
        private readonly RecordingRawUI _raw = new();

        public string Text { get { lock (_text) return _text.ToString(); } }
        public void Clear() { lock (_text) _text.Clear(); }
        public override PSHostRawUserInterface RawUI => _raw;
        public bool VirtualTerminal { get; set; }
        public override bool SupportsVirtualTerminal => VirtualTerminal;

        private void Append(string value) { lock (_text) _text.Append(value); }

        public override void Write(string value) => Append(value);
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Append(value);
        public override void WriteLine(string value) => Append(value + "\n");
        public override void WriteErrorLine(string value) => Append(value + "\n");
        public override void WriteDebugLine(string message) => Append("DEBUG: " + message + "\n");
        public override void WriteVerboseLine(string message) => Append("VERBOSE: " + message + "\n");
        public override void WriteWarningLine(string message) => Append("WARNING: " + message + "\n");
        public override void WriteProgress(long sourceId, ProgressRecord record) { }

        // A test host never answers questions: a prompt in a test is a bug.
        public override string ReadLine() => throw new InvalidOperationException("The test host cannot read input.");
        public override SecureString ReadLineAsSecureString() => throw new InvalidOperationException("The test host cannot read input.");
        public override Dictionary<string, PSObject> Prompt(string caption, string message, System.Collections.ObjectModel.Collection<FieldDescription> descriptions) =>
            throw new InvalidOperationException("The test host cannot prompt: " + message);
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            throw new InvalidOperationException("The test host cannot prompt.");
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
            throw new InvalidOperationException("The test host cannot prompt.");
        public override int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection<ChoiceDescription> choices, int defaultChoice) =>
            throw new InvalidOperationException("The test host cannot prompt: " + message);
    }

    private sealed class RecordingRawUI : PSHostRawUserInterface
    {
        public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
        public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;
        public override Size BufferSize { get; set; } = new(80, 3000);
        public override Coordinates CursorPosition { get; set; }
        public override int CursorSize { get; set; } = 1;
        public override bool KeyAvailable => false;
        public override Size MaxPhysicalWindowSize => new(80, 50);
        public override Size MaxWindowSize => new(80, 50);
        public override Coordinates WindowPosition { get; set; }
        public override Size WindowSize { get; set; } = new(80, 50);
        public override string WindowTitle { get; set; } = "";
        public override void FlushInputBuffer() { }
        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => new BufferCell[0, 0];
        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new InvalidOperationException("The test host cannot read keys.");
        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) { }
        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) { }
        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) { }
    }
}
