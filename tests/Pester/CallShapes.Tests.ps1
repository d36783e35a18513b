#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    A smoke of the call-shape sweep of New-HailuoVideo (tests/Sweeps/CallShapes.psm1) in a real pwsh:
    every shape that gives the image as a piped FileInfo, with every model, with and without
    -TextOnly, -LastFrame, -Journal and -WhatIf, against a FakeHighway process. The whole sweep runs
    in the hosted-engine suite (CallShapeSweepTests), and here with $env:HIGHWAY_FULL_SWEEPS = '1';
    see tests/README.md.
#>

BeforeDiscovery {
    $manifest = Join-Path $PSScriptRoot '../../out/HighwayHailuo/HighwayHailuo.psd1'
    Import-Module $manifest -Force
    Import-Module (Join-Path $PSScriptRoot '../Sweeps/CallShapes.psm1') -Force
    # One way of giving the image, as the smoke; all of them with $env:HIGHWAY_FULL_SWEEPS = '1' (the
    # check to run where only this suite runs, such as Windows PowerShell 5.1).
    $script:ImageModes = @(Get-HailuoCallShape | Select-Object -ExpandProperty Image -Unique |
        Where-Object { $env:HIGHWAY_FULL_SWEEPS -eq '1' -or $_ -eq 'Value:FileInfo' })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FakeHighway.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../Sweeps/CallShapes.psm1') -Force
    $script:fake = Connect-FakeHighway -TaskSeconds 60
    Push-Location $TestDrive
    $script:context = Initialize-HailuoCallShapeRun -FakeBaseUri $fake.BaseUri -ApiKey $fake.ApiKey `
        -ImageFixture (Get-TestFixture 'photo.jpg') -LastFrameFixture (Get-TestFixture 'portrait.png')
    $script:shapes = @(Get-HailuoCallShape)
}

AfterAll {
    Pop-Location
    Disconnect-FakeHighway $fake
}

Describe 'Every call shape of New-HailuoVideo' {
    It 'image <_>: each shape sends exactly the documented request, or one specific error and nothing' -ForEach $ImageModes {
        $mode = $_
        $failed = foreach ($shape in $shapes | Where-Object Image -eq $mode) {
            $result = Test-HailuoCallShape -Shape $shape -Context $context 6>$null
            if ($result.Problems) { "$($result.Name): $($result.Problems -join '; ')" }
        }
        @($failed) -join "`n" | Should -BeNullOrEmpty
    }
}
