<#
.SYNOPSIS
    Builds the HighwayHailuo module into out/HighwayHailuo/ and optionally runs the tests.
.DESCRIPTION
    A thin wrapper over the dotnet CLI: nothing here is needed to build, `dotnet build` alone
    produces the importable module. With -Test it runs `dotnet test` (the hosted-engine suite) and,
    when Pester 5 is installed, the Pester suite in tests/Pester against the built module.
.EXAMPLE
    ./build.ps1
.EXAMPLE
    ./build.ps1 -Configuration Release -Test
.EXAMPLE
    ./build.ps1 -Clean
#>
[CmdletBinding()]
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug',

    [switch] $Test,

    [switch] $Clean
)

$ErrorActionPreference = 'Stop'
Set-Location -LiteralPath $PSScriptRoot

if ($Clean) {
    dotnet clean --configuration $Configuration
    if ($LASTEXITCODE) { throw "dotnet clean failed ($LASTEXITCODE)." }
    Remove-Item -LiteralPath (Join-Path $PSScriptRoot 'out') -Recurse -Force -ErrorAction SilentlyContinue
}

dotnet build --configuration $Configuration
if ($LASTEXITCODE) { throw "dotnet build failed ($LASTEXITCODE)." }
Write-Host "Module staged in $(Join-Path $PSScriptRoot 'out/HighwayHailuo')"

if ($Test) {
    dotnet test --configuration $Configuration --no-build
    if ($LASTEXITCODE) { throw "dotnet test failed ($LASTEXITCODE)." }

    $pester = Get-Module -ListAvailable Pester | Where-Object { $_.Version.Major -ge 5 } | Sort-Object Version -Descending | Select-Object -First 1
    if ($pester) {
        Import-Module $pester
        $config = New-PesterConfiguration
        $config.Run.Path = Join-Path $PSScriptRoot 'tests/Pester'
        $config.Run.Exit = $false
        $config.Run.PassThru = $true
        $config.Output.Verbosity = 'Detailed'
        $result = Invoke-Pester -Configuration $config
        if ($result.FailedCount -gt 0) { throw "$($result.FailedCount) Pester test(s) failed." }
    }
    else {
        Write-Warning 'Pester 5 is not installed: the Pester suite (tests/Pester) was skipped. Install-Module Pester -MinimumVersion 5.0 to run it.'
    }
}
