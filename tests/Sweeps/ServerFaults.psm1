<#
    The hostile-server sweep, shared by the hosted-engine suite and the Pester suite.

    Get-HailuoFaultCase asks FakeHighway for its catalogue of hostile behaviours (GET
    /_fake/fault-modes) and makes one case per mode and request it applies to (submit, task-result,
    video): a new mode adds cases by itself. Test-HailuoFaultCase runs a whole batch (two images,
    New | Wait | Save with a journal, -TimeoutSec 1) with the mode queued for the first such request,
    and checks it against the oracle below and against what must hold whatever the server does:

    - the key appears in no output, error, $Error, verbose, debug or warning text, transcript,
      journal or file name, not even when the server echoes it (in the status line too);
    - no terminal escape, bell or direction override from the server reaches any text;
    - no image is billed twice; every accepted submission is in the journal (submitted or unknown);
    - no file is left under its final name unless it is the whole video, byte for byte, and no
      temporary file is left at all.
#>
Set-StrictMode -Version 3.0

# What the module must do, per class of fault (FakeHighway's FaultClass) and request. Success: both
# videos saved. Otherwise the one error the fault's item gets, and whether it ends the call.
$script:Oracle = @{
    Refused        = @{ submit = 'Success'; result = 'Success'; video = 'Success' }
    Unclear        = @{ submit = 'HailuoSubmitOutcomeUnknown'; result = 'Success'; video = 'Success' }
    Slow           = @{ submit = 'HailuoSubmitOutcomeUnknown'; result = 'Success'; video = 'Success' }
    Rejected       = @{ submit = 'HailuoRequestRejected'; result = 'HailuoRequestRejected'; video = 'VideoDownloadFailed' }
    KeyRefused     = @{ submit = 'HailuoAuthenticationFailed!'; result = 'HailuoAuthenticationFailed!'; video = 'Success' }
    NotFound       = @{ submit = 'HailuoEndpointNotFound!'; result = 'HailuoTaskNotFound'; video = 'Success' }
    UnprovenEnd    = @{ video = 'Success' }
    UnusableTaskId = @{ submit = 'HailuoTaskIdUnusable' }
    TaskFailed     = @{ result = 'HailuoTaskFailed' }
    Passing        = @{ result = 'Success' }
}

# Text no server may put on the user's screen (FakeHighway's FaultModes.Escapes is made of these).
$script:Hostile = [char] 0x1B, [char] 0x07, [char] 0x9B, [char] 0x202E

function Get-HailuoFaultCase {
    <# One case per hostile mode and request it applies to, from FakeHighway's own catalogue. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $FakeBaseUri)
    $modes = Invoke-RestMethod -Uri "$($FakeBaseUri.TrimEnd('/'))/_fake/fault-modes"
    foreach ($mode in $modes) {
        foreach ($request in $mode.requests) {
            [pscustomobject]@{ Name = "$($mode.name) on $request"; Mode = $mode.name; Class = $mode.class; Request = $request; What = $mode.what }
        }
    }
}

function Get-HailuoFaultExpectation {
    <# 'Success', or an ErrorId ('!' at its end: it ends the call). #>
    param([Parameter(Mandatory)] [object] $Case)
    $byRequest = $script:Oracle[$Case.Class]
    if (-not $byRequest -or -not $byRequest.ContainsKey($Case.Request)) { return $null }
    $byRequest[$Case.Request]
}

function Test-HailuoFaultCase {
    <# Runs one case in a folder of its own under the current location; returns the broken promises (none when all hold). #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [object] $Case, [Parameter(Mandatory)] [object] $Context)

    $ErrorActionPreference = 'Continue'
    $problems = [System.Collections.Generic.List[string]]::new()
    $expected = Get-HailuoFaultExpectation $Case
    if (-not $expected) {
        return [pscustomobject]@{ Name = $Case.Name; Problems = @("the oracle has no rule for class $($Case.Class) on $($Case.Request) (tests/Sweeps/ServerFaults.psm1): say what the module must do") }
    }
    $base = $Context.FakeBaseUri.TrimEnd('/')
    $folder = Join-Path $Context.Root ($Case.Name -replace '[^A-Za-z0-9]+', '-')
    $null = New-Item -ItemType Directory -Path $folder -Force
    Copy-Item -LiteralPath $Context.Images[0] -Destination (Join-Path $folder 'a.png')
    Copy-Item -LiteralPath $Context.Images[1] -Destination (Join-Path $folder 'b.png')
    $before = Invoke-RestMethod -Uri "$base/_fake/log?from=$([int]::MaxValue)"
    $null = Invoke-RestMethod -Method Post -Uri "$base/_fake/fault-modes/$($Case.Mode)/$($Case.Request)"

    Push-Location -LiteralPath $folder
    $Error.Clear()
    $records = [System.Collections.Generic.List[object]]::new()
    $terminating = $null
    try {
        $null = Start-Transcript -LiteralPath (Join-Path $folder 'transcript.txt')
        $VerbosePreference = 'Continue'
        $DebugPreference = 'Continue'
        try {
            # Every stream of every command of the pipeline, as one list.
            $all = & {
                Get-ChildItem -Filter *.png |
                    New-HailuoVideo -Prompt 'waves roll in' -Journal ./run.jsonl -ThrottleLimit 1 -TimeoutSec 1 |
                    Wait-HailuoTask -PollInterval 0.1 -TimeoutSec 1 -Timeout 60 |
                    Save-HailuoVideo -Destination ./videos -ThrottleLimit 1 -TimeoutSec 1
            } *>&1
            foreach ($record in $all) { $records.Add($record) }
        }
        catch {
            $terminating = $_
        }
        $VerbosePreference = 'SilentlyContinue'
        $DebugPreference = 'SilentlyContinue'
        # This batch's tasks as the server now tells them, whose text (status, reason) is shown in tables.
        $known = @(try { Get-HailuoTask -Journal ./run.jsonl 2>$null 3>$null } catch { $Error.RemoveAt(0) })
        $null = Stop-Transcript
    }
    finally {
        $VerbosePreference = 'SilentlyContinue'
        $DebugPreference = 'SilentlyContinue'
        Pop-Location
    }
    $after = Invoke-RestMethod -Uri "$base/_fake/log?from=$($before.submissionCount)"
    if ($after.pendingFaults) {
        # The batch never made the request the fault was queued for: the case tested nothing.
        $problems.Add("the fault was never met: no $($Case.Request) request reached it")
        $null = Invoke-RestMethod -Method Post -Uri "$base/_fake/faults/clear"
    }
    $errors = @(@($records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) + @($terminating) | Where-Object { $_ })
    $ids = @($errors | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] })
    $saved = @(Get-ChildItem -LiteralPath (Join-Path $folder 'videos') -File -ErrorAction Ignore)

    # What the oracle says.
    $endsCall = $expected.EndsWith('!')
    $errorId = $expected.TrimEnd('!')
    if ($expected -eq 'Success') {
        if ($ids.Count) { $problems.Add("expected both videos and no error, got: $($errors | Select-Object -First 2 | ForEach-Object { "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" })") }
        if ($saved.Count -ne 2) { $problems.Add("$($saved.Count) of 2 videos were saved") }
    }
    else {
        if ($ids -notcontains $errorId) { $problems.Add("expected $errorId, got: $(if ($ids) { $ids -join ', ' } else { 'no error' })") }
        elseif (@($ids | Where-Object { $_ -ne $errorId }).Count) { $problems.Add("errors besides $($errorId): $($ids -join ', ')") }
        if ($endsCall -ne [bool] $terminating) { $problems.Add("$errorId should $(if (-not $endsCall) { 'not ' })end the call") }
        if ($endsCall -and $saved.Count) { $problems.Add("a call that ended still saved $($saved.Count) video(s)") }
        if (-not $endsCall -and $saved.Count -ne 1) { $problems.Add("$($saved.Count) videos were saved; the item without the fault must still be, and only it") }
    }

    # What holds whatever the server does.
    $submissions = @($after.submissions)
    $byImage = $submissions | Group-Object imageSha256 | Where-Object Count -gt 1
    if ($byImage) { $problems.Add("an image was billed $(@($byImage)[0].Count) times") }
    $journal = @(Get-Content -LiteralPath (Join-Path $folder 'run.jsonl') -ErrorAction Ignore | ConvertFrom-Json | Where-Object { -not $_.PSObject.Properties['highwayHailuoJournal'] })
    # A paid task the journal does not name must be one of its unknown outcomes: never forgotten.
    $named = @($journal | ForEach-Object { $_.PSObject.Properties['taskId'] } | Where-Object { $_ } | ForEach-Object Value)
    $unnamed = @($submissions | Where-Object { $named -notcontains $_.taskId })
    $unknown = @($journal | Where-Object state -eq 'unknown' | Group-Object { "$($_.PSObject.Properties['imageSha256'].Value)|$($_.PSObject.Properties['sourceImage'].Value)" })
    if ($unnamed.Count -gt $unknown.Count) { $problems.Add("$($unnamed.Count) paid task(s) are in the journal neither as submitted nor as unknown") }
    foreach ($file in $saved) {
        $sha = (Get-FileHash -LiteralPath $file.FullName -Algorithm SHA256).Hash
        if ($submissions.videoSha256 -notcontains $sha) { $problems.Add("$($file.Name) ($($file.Length) bytes) is not a whole video of this batch") }
    }
    $leftovers = @(Get-ChildItem -LiteralPath $folder -Recurse -File | Where-Object { $_.Name -like '*.partial' -or $_.Name -like '.hailuo-*' })
    if ($leftovers) { $problems.Add("left behind: $($leftovers.Name -join ', ')") }

    $texts = [System.Collections.Generic.List[string]]::new()
    foreach ($record in @($records) + @($errors) + @($Error)) {
        if ($null -eq $record) { continue }
        $texts.Add("$record")
        if ($record -is [System.Management.Automation.ErrorRecord]) {
            $texts.Add($record.Exception.ToString())
            if ($record.ErrorDetails) { $texts.Add($record.ErrorDetails.Message) }
            $texts.Add("$($record.TargetObject)")
        }
        elseif ($record -is [System.Management.Automation.InformationalRecord]) { $texts.Add($record.Message) }
    }
    foreach ($task in $known) { foreach ($property in $task.PSObject.Properties) { $texts.Add("$($property.Value)") } }
    $texts.Add(($known | Format-List * | Out-String))
    $texts.Add(($known | Format-Table | Out-String))
    $files = [System.Collections.Generic.List[string]]::new()
    foreach ($file in Get-ChildItem -LiteralPath $folder -Recurse -File) { $files.Add($file.FullName) }
    $transcript = Get-Content -LiteralPath (Join-Path $folder 'transcript.txt') -Raw -ErrorAction Ignore
    $journalText = Get-Content -LiteralPath (Join-Path $folder 'run.jsonl') -Raw -ErrorAction Ignore

    $key = $Context.ApiKey
    $piece = $key.Substring($key.Length - 12)   # the key's random tail: any echo of it, whole or cut
    foreach ($place in @{ 'output, errors or streams' = $texts -join "`n"; 'the transcript' = $transcript; 'the journal' = $journalText; 'a file name' = $files -join "`n" }.GetEnumerator()) {
        if ("$($place.Value)".Contains($piece)) { $problems.Add("the API key reached $($place.Key)") }
    }
    $shown = $texts -join "`n"
    foreach ($char in $script:Hostile) {
        if ($shown.Contains($char)) { $problems.Add(("a server's U+{0:X4} reached what the user sees: ...{1}..." -f [int] $char, (($shown.Substring([Math]::Max(0, $shown.IndexOf($char) - 60), 80)) -replace '[\x00-\x1F\x7F-\x9F\u202E]', '?'))) }
    }
    foreach ($marker in "$([char] 0x1B)[2J", "$([char] 0x1B)]0;", [string] [char] 0x202E) {
        if ("$transcript".Contains($marker)) { $problems.Add("a server's terminal escape reached the transcript") }
    }
    [pscustomobject]@{ Name = $Case.Name; Problems = $problems.ToArray() }
}

Export-ModuleMember -Function Get-HailuoFaultCase, Get-HailuoFaultExpectation, Test-HailuoFaultCase
