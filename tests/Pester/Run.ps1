<#
.SYNOPSIS
    Runs (or only discovers) the Pester suite in tests/Pester and writes what each test did.
.DESCRIPTION
    One entry point for both ways the suite runs: the test command's bridge
    (tests/HighwayHailuo.PesterTests, in the pwsh built from NuGet into out/pwsh/) and
    ./build.ps1 -Test (in the pwsh that runs it). With -ResultPath it writes a JSON array, one
    object per test: Name (its blocks and name, with -ForEach data filled in), Result, Message, Seconds; blocks or files that
    failed outside any test come as entries whose Name starts with '[block]' or '[file]'.
    Without -ResultPath it returns Pester's result object.
.EXAMPLE
    ./tests/Pester/Run.ps1
.EXAMPLE
    ./tests/Pester/Run.ps1 -DiscoverOnly -ResultPath ./tests.json
#>
[CmdletBinding()]
param(
    # Where to write the JSON summary (optional).
    [string] $ResultPath,

    # Discover the tests without running them (Pester's Run.SkipRun).
    [switch] $DiscoverOnly,

    # A Pester.psd1 to import; default: the newest Pester 5 on PSModulePath.
    [string] $PesterPath
)

$ErrorActionPreference = 'Stop'
if ($PesterPath) {
    Import-Module -Name $PesterPath -Force
}
else {
    Import-Module -Name Pester -MinimumVersion 5.0 -MaximumVersion 5.999
}

$config = New-PesterConfiguration
$config.Run.Path = $PSScriptRoot
$config.Run.PassThru = $true
$config.Run.SkipRun = $DiscoverOnly.IsPresent
$config.Output.Verbosity = if ($DiscoverOnly) { 'None' } else { 'Detailed' }
$result = Invoke-Pester -Configuration $config

# A test's name with its -ForEach data filled in, the same in discovery and in a run (Pester
# itself expands <Name> only when the test runs), and unique within the suite.
$script:seen = @{}
function Get-TestName([object] $Test) {
    $name = $Test.Name
    if ($Test.Data -is [System.Collections.IDictionary]) {
        foreach ($key in $Test.Data.Keys) { $name = $name.Replace("<$key>", "$($Test.Data[$key])") }
    }
    $full = (@($Test.Path | Select-Object -SkipLast 1) + $name) -join '.'
    $script:seen[$full] = 1 + $script:seen[$full]
    if ($script:seen[$full] -gt 1) { "$full #$($script:seen[$full])" } else { $full }
}

function Get-ErrorText([object[]] $ErrorRecords) {
    ($ErrorRecords | ForEach-Object { "$($_.Exception.Message)`n$($_.ScriptStackTrace)" }) -join "`n"
}

if ($ResultPath) {
    $entries = [System.Collections.Generic.List[object]]::new()
    foreach ($test in $result.Tests) {
        $entries.Add([pscustomobject]@{
            Name    = Get-TestName $test
            Result  = "$($test.Result)"
            Message = Get-ErrorText $test.ErrorRecord
            Seconds = [Math]::Round($test.Duration.TotalSeconds, 3)
        })
    }
    foreach ($block in $result.FailedBlocks) {
        $entries.Add([pscustomobject]@{ Name = "[block] $($block.ExpandedPath)"; Result = 'Failed'; Message = Get-ErrorText $block.ErrorRecord; Seconds = 0 })
    }
    foreach ($container in $result.FailedContainers) {
        $entries.Add([pscustomobject]@{ Name = "[file] $($container.Item)"; Result = 'Failed'; Message = Get-ErrorText $container.ErrorRecord; Seconds = 0 })
    }
    ConvertTo-Json -InputObject @($entries) -Depth 3 | Set-Content -LiteralPath $ResultPath -Encoding utf8
}
else {
    $result
}
