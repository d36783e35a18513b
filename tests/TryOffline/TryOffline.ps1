<#
.SYNOPSIS
    The offline tour: each command is shown as it would be typed, then run, so the output is what a
    user sees. Run by `dotnet run --project tests/TryOffline`, which sets $env:HIGHWAY_API_KEY and
    $env:HIGHWAY_BASE_URI to a FakeHighway on loopback and the location to a folder of sample photos.
#>
param(
    # The built module's manifest (out/HighwayHailuo/HighwayHailuo.psd1).
    [Parameter(Mandatory)]
    [string] $Manifest
)

Import-Module $Manifest

$tour = @(
    'Get-ChildItem ./photos'
    '$tasks = Get-ChildItem ./photos | New-HailuoVideo -Prompt ''The camera slowly pushes in'' -CameraMovement PushIn'
    '$tasks'
    '$videos = $tasks | Wait-HailuoTask | Save-HailuoVideo -Destination ./videos'
    '$videos'
    'Get-HailuoTask -Status Succeeded | Format-List TaskId, Status, Model, SourceImage, Prompt, Duration, Resolution, CompletedAt'
    'Get-ChildItem ./photos/*.jpg | New-HailuoVideo -Prompt ''A slow pan across the scene [左摇]'' -Duration 10 -WhatIf'
    '''A lighthouse at dusk'', ''A red fox in fresh snow'' | New-HailuoVideo -TextOnly -Model Hailuo-02 -WhatIf'
)
foreach ($line in $tour) {
    Write-Host ''
    Write-Host "PS $((Get-Location).Path)> " -NoNewline -ForegroundColor Green
    Write-Host $line
    Invoke-Expression $line | Out-Host
}
