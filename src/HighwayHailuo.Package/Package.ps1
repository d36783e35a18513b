<#
.SYNOPSIS
    Writes the module's two packages from the staged module folder.
.DESCRIPTION
    The PowerShell Gallery package (HighwayHailuo.<version>.nupkg, made by PSResourceGet's
    Compress-PSResource, what Publish-PSResource sends) and the Azure Automation zip
    (HighwayHailuo.zip, the module folder at the zip's root, as Automation's module import wants).
    Run by the build (src/HighwayHailuo.Package) in the official pwsh; prints each package and
    its size.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleFolder,
    [Parameter(Mandatory)] [string] $OutFolder
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$manifest = Test-ModuleManifest -Path (Join-Path $ModuleFolder 'HighwayHailuo.psd1')
New-Item -ItemType Directory -Force -Path $OutFolder | Out-Null
# Only this module's packages are replaced; anything else in the folder is left alone.
Get-ChildItem -Path $OutFolder -File | Where-Object { $_.Name -like 'HighwayHailuo.*.nupkg' -or $_.Name -eq 'HighwayHailuo.zip' } | Remove-Item -Force

Compress-PSResource -Path $ModuleFolder -DestinationPath $OutFolder
Compress-Archive -Path $ModuleFolder -DestinationPath (Join-Path $OutFolder 'HighwayHailuo.zip')

Get-ChildItem -Path $OutFolder -File | Where-Object { $_.Name -like 'HighwayHailuo.*.nupkg' -or $_.Name -eq 'HighwayHailuo.zip' } |
    ForEach-Object { 'HighwayHailuo {0}: {1} ({2:N0} bytes)' -f $manifest.Version, $_.Name, $_.Length }
