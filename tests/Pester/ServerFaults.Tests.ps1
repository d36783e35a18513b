#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    A smoke of the hostile-server sweep (tests/Sweeps/ServerFaults.psm1) in a real pwsh: one mode of
    FakeHighway's catalogue (a key echoed in a 400 on task-result), met by a whole New | Wait | Save
    batch with a journal, checked against the oracle and against what must always hold. The whole
    sweep, every mode on every request, runs in the hosted-engine suite (ServerFaultSweepTests), and
    here with $env:HIGHWAY_FULL_SWEEPS = '1'.
#>

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'FakeHighway.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../Sweeps/ServerFaults.psm1') -Force
    $discovery = Start-FakeHighway
    try { $script:Cases = @(Get-HailuoFaultCase -FakeBaseUri $discovery.BaseUri | Where-Object { $env:HIGHWAY_FULL_SWEEPS -eq '1' -or $_.Name -eq '400-key-in-message on result' } | ForEach-Object { @{ Name = $_.Name; Mode = $_.Mode; Request = $_.Request } }) }
    finally { Stop-FakeHighway $discovery }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'FakeHighway.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../Sweeps/ServerFaults.psm1') -Force
    $script:fake = Connect-FakeHighway -TaskSeconds 0.25
    $script:context = [pscustomobject]@{
        FakeBaseUri = $fake.BaseUri; ApiKey = $fake.ApiKey; Root = "$TestDrive"
        Images = @((Get-TestFixture 'portrait.png'), (Get-TestFixture 'photo.jpg'))
    }
    $script:all = @(Get-HailuoFaultCase -FakeBaseUri $fake.BaseUri)
}

AfterAll {
    Disconnect-FakeHighway $fake
}

Describe 'A hostile server' {
    It '<Name> ends as promised and leaks nothing' -ForEach $Cases {
        $case = $all | Where-Object { $_.Mode -eq $Mode -and $_.Request -eq $Request }
        $result = Test-HailuoFaultCase -Case $case -Context $context
        $result.Problems -join "`n" | Should -BeNullOrEmpty
    }
}
