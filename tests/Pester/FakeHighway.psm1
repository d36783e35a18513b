<#
    FakeHighway for the Pester suites: start one as a process on loopback, stop it, read what it
    received and queue faults through its admin calls. Shared by every *.Tests.ps1 file here.
#>
Set-StrictMode -Version 3.0

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

function Start-FakeHighway {
    <# Starts FakeHighway on free loopback ports; it stops when its standard input closes (Stop-FakeHighway). #>
    param([double] $TaskSeconds = 1.2, [string] $FailWhenPromptContains, [string] $SubmitRate)
    $dll = Get-ChildItem -Path (Join-Path $script:RepoRoot 'tests/FakeHighway/bin') -Filter 'FakeHighway.dll' -Recurse |
        Sort-Object LastWriteTime -Descending | Select-Object -First 1
    if (-not $dll) { throw 'Build FakeHighway first: dotnet build.' }
    $arguments = "`"$($dll.FullName)`" --port 0 --video-port 0 --until-stdin-closes --task-seconds $TaskSeconds --key pester-$([guid]::NewGuid().ToString('N'))"
    if ($FailWhenPromptContains) { $arguments += " --fail-when-prompt-contains $FailWhenPromptContains" }
    if ($SubmitRate) { $arguments += " --submit-rate $SubmitRate" }
    $info = [System.Diagnostics.ProcessStartInfo]::new('dotnet', $arguments)
    $info.UseShellExecute = $false
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $process = [System.Diagnostics.Process]::Start($info)
    $lines = foreach ($i in 1..5) { $process.StandardOutput.ReadLine() }
    [pscustomobject]@{
        Process = $process
        BaseUri = (($lines | Where-Object { $_ -like 'FakeHighway API:*' }) -replace '^FakeHighway API:\s+', '')
        ApiKey  = (($lines | Where-Object { $_ -like 'API key:*' }) -replace '^API key:\s+', '')
    }
}

function Stop-FakeHighway([object] $Fake) {
    $Fake.Process.StandardInput.Close()
    if (-not $Fake.Process.WaitForExit(5000)) { $Fake.Process.Kill() }
}

function Get-FakeStats([object] $Fake) { Invoke-RestMethod -Uri "$($Fake.BaseUri)_fake/stats" }

function Add-FakeFault([object] $Fake, [string] $Endpoint, [hashtable] $Fault) {
    $null = Invoke-RestMethod -Method Post -Uri "$($Fake.BaseUri)_fake/faults/$Endpoint" -ContentType 'application/json' -Body ($Fault | ConvertTo-Json)
}

function Connect-FakeHighway {
    <#
        What a sweep file starts with: the staged module imported, the quick test backoff and rate
        window set, a FakeHighway started and connected. Returns the FakeHighway; stop it with
        Disconnect-FakeHighway.
    #>
    param([double] $TaskSeconds = 1.2)
    Import-Module (Join-Path $script:RepoRoot 'out/HighwayHailuo/HighwayHailuo.psd1') -Force -Global
    $env:HIGHWAY_RETRY_BASE_DELAY_MS = '10'   # same backoff shape, in milliseconds
    $env:HIGHWAY_RATE_WINDOW_SECONDS = '2'    # rate limits per 2 s instead of per minute
    $fake = Start-FakeHighway -TaskSeconds $TaskSeconds
    Connect-Highway -ApiKey $fake.ApiKey -BaseUri $fake.BaseUri
    $fake
}

function Disconnect-FakeHighway([object] $Fake) {
    Disconnect-Highway
    Stop-FakeHighway $Fake
    Remove-Item Env:HIGHWAY_RETRY_BASE_DELAY_MS, Env:HIGHWAY_RATE_WINDOW_SECONDS -ErrorAction Ignore
}

# The test fixtures (images) of the hosted suite, which the Pester files use too.
function Get-TestFixture([string] $Name) { Join-Path $script:RepoRoot "tests/HighwayHailuo.Tests/Fixtures/$Name" }

Export-ModuleMember -Function Start-FakeHighway, Stop-FakeHighway, Get-FakeStats, Add-FakeFault, Connect-FakeHighway, Disconnect-FakeHighway, Get-TestFixture
