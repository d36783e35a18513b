<#
.SYNOPSIS
    Builds the HighwayHailuo module into out/HighwayHailuo/ and optionally runs the tests.
.DESCRIPTION
    A thin wrapper over the dotnet CLI: nothing here is needed to build or test. `dotnet build`
    alone produces the importable module (and restores the official pwsh, the PowerShell .NET tool,
    with a launcher in out/pwsh/); `dotnet test`
    alone runs every suite, the Pester one included, in that pwsh.
    With -Test this script runs the xunit suites through `dotnet test`, and the Pester suite in the
    pwsh that runs this script: with an installed Pester 5 when there is one, else with the Pester
    the build staged from NuGet.
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
    # Everything but the bridge that runs the Pester suite in out/pwsh: it runs here instead.
    dotnet test --configuration $Configuration --no-build --filter 'FullyQualifiedName!~HighwayHailuo.PesterTests.PesterSuite'
    if ($LASTEXITCODE) { throw "dotnet test failed ($LASTEXITCODE)." }

    $installed = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version.Major -eq 5 } |
        Sort-Object Version -Descending | Select-Object -First 1
    $pester = if ($installed) { $installed.Path } else {
        Get-ChildItem -Path (Join-Path $PSScriptRoot 'out/modules/Pester/Pester.psd1') | Select-Object -First 1 -ExpandProperty FullName
    }
    if (-not $pester) { throw 'No Pester 5: the build stages one in out/modules; run without -Clean, or Install-Module Pester -MinimumVersion 5.0.' }
    Write-Host "Pester suite in $($PSVersionTable.PSEdition) $($PSVersionTable.PSVersion) with $pester"
    $result = & (Join-Path $PSScriptRoot 'tests/Pester/Run.ps1') -PesterPath $pester
    if ($result.FailedCount -gt 0) { throw "$($result.FailedCount) Pester test(s) failed." }
}
