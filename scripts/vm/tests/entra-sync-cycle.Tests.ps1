# entra-sync-cycle.ps1: one Initial or Delta sync cycle, started and waited for, judged by the
# run profile results it produced. The sync engine is modelled as $global:Engine on the fake
# clock: a cycle runs for a set time; its runs (one per connector and run profile) enter the run
# history, newest first, when it starts. Modelled, UNCONFIRMED in Microsoft's reference: the
# run order and profile names of a cycle, the history listed newest first, result values such as
# 'stopped-server-down', and Start-ADSyncSyncCycle refusing while a cycle runs.
# There is no "second run changes nothing" case: every run of this step is meant to run one
# cycle (a run command is re-sent only when its inputs change); the case closest to it is a
# cycle already running, which is waited for and never doubled.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Forest = 'corp.cmglab.example'
    $script:Entra = 'contoso.onmicrosoft.com - AAD'
    $script:Params = @{ PolicyType = 'Delta'; ForestFqdn = $Forest; WaitMinutes = '20' }
    $script:Start = [datetime]::new(2026, 1, 1, 8, 0, 0)

    # Results: "<connector> <run profile>" -> result of that run in the next cycle (default success).
    # RunningFor: minutes a cycle already running at the start still runs ($null: none).
    function Set-Engine {
        param([double] $CycleMinutes = 4, $RunningFor = $null, [hashtable] $Results = @{}, [string] $AdConnector = $Forest)
        $global:Engine = @{
            CycleMinutes = $CycleMinutes
            Until = $(if ($null -ne $RunningFor) { $Start.AddMinutes($RunningFor) } else { $null })
            Results = $Results
            AdConnector = $AdConnector
            NextId = 1
            History = New-Object System.Collections.Generic.List[object]
            Started = New-Object System.Collections.Generic.List[object]
        }
        # Earlier cycles, one of which stopped: only the runs of this step's cycle count.
        Add-Cycle -PolicyType 'Initial' -At $Start.AddHours(-2) -Results @{ "$Entra Export" = 'stopped-server-down' }
        if ($null -ne $RunningFor) { Add-Cycle -PolicyType 'Delta' -At $Start.AddMinutes(-1) -Results @{} }
    }
    # The runs of one cycle in the scheduler's order: import on every connector, then sync, then
    # export; inserted newest first, as Get-ADSyncRunProfileResult lists them.
    function Add-Cycle {
        param([string] $PolicyType, [datetime] $At, [hashtable] $Results)
        $profiles = if ($PolicyType -eq 'Initial') { 'Full Import', 'Full Synchronization', 'Export' } else { 'Delta Import', 'Delta Synchronization', 'Export' }
        foreach ($profile in $profiles) {
            foreach ($connector in $global:Engine.AdConnector, $Entra) {
                $key = "$connector $profile"
                $result = if ($Results.ContainsKey($key)) { $Results[$key] } else { 'success' }
                $run = [pscustomobject]@{ RunHistoryId = "run-$($global:Engine.NextId)"; ConnectorName = $connector; RunProfileName = $profile; Result = $result; StartDate = $At }
                $global:Engine.NextId++
                $global:Engine.History.Insert(0, $run)
            }
        }
    }
    function Test-EngineBusy {
        ($null -ne $global:Engine.Until) -and ((Get-FakeNow) -lt $global:Engine.Until)
    }
}

Describe 'entra-sync-cycle.ps1' {
    BeforeEach {
        . Use-FakeClock -Start $Start
        Mock Get-ItemProperty { $null } -ParameterFilter { $Path -like 'HKLM:\SYSTEM\CurrentControlSet\Services\ADSync\*' }
        Mock Test-Path { $false }
        Mock Import-Module { } -ParameterFilter { $Name -eq 'ADSync' }
        Mock Get-ADSyncScheduler { [pscustomobject]@{ SyncCycleInProgress = (Test-EngineBusy); SyncCycleEnabled = $true; StagingModeEnabled = $false } }
        Mock Start-ADSyncSyncCycle {
            if (Test-EngineBusy) { throw 'Sync is already running. Cannot start a new sync.' }
            $global:Engine.Started.Add([pscustomobject]@{ PolicyType = $PolicyType; At = (Get-FakeNow) })
            $global:Engine.Until = (Get-FakeNow).AddMinutes($global:Engine.CycleMinutes)
            Add-Cycle -PolicyType $PolicyType -At (Get-FakeNow) -Results $global:Engine.Results
            [pscustomobject]@{ Result = 'Success' }
        }
        Mock Get-ADSyncRunProfileResult { @($global:Engine.History | Select-Object -First $NumberRequested) }
    }

    It 'starts a <Policy> cycle, waits until it has finished and passes' -ForEach @(
        @{ Policy = 'Delta' }
        @{ Policy = 'Initial' }
    ) {
        Set-Engine -CycleMinutes 4
        $p = $Params.Clone(); $p.PolicyType = $Policy
        $r = Invoke-LabScript -Name 'entra-sync-cycle.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Start-ADSyncSyncCycle -Times 1 -Exactly
        $global:Engine.Started[0].PolicyType | Should -Be $Policy
        (Get-FakeNow) | Should -BeGreaterOrEqual $Start.AddMinutes(4)
        (Get-FakeNow) | Should -BeLessOrEqual $Start.AddMinutes(5)
        $r.Output | Should -Contain "Starting an Entra Connect $Policy sync cycle"
        $r.Output | Should -Contain "Entra Connect $Policy sync cycle completed"
    }

    It 'waits for a cycle already running, then starts its own once' {
        Set-Engine -RunningFor 7
        $r = Invoke-LabScript -Name 'entra-sync-cycle.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Engine.Started.Count | Should -Be 1
        $global:Engine.Started[0].At | Should -BeGreaterOrEqual $Start.AddMinutes(7)
        $global:Engine.Started[0].At | Should -BeLessOrEqual $Start.AddMinutes(7.5)
        (Get-FakeNow) | Should -BeGreaterOrEqual $Start.AddMinutes(11)
        $r.Output | Should -Contain 'Entra Connect Delta sync cycle completed'
    }

    It 'fails naming each run when a run of the cycle stopped with <Result>' -ForEach @(
        @{ Key = 'corp.cmglab.example Export'; Result = 'stopped-server-down' }
        @{ Key = 'contoso.onmicrosoft.com - AAD Delta Import'; Result = 'stopped-extension-dll-exception' }
    ) {
        Set-Engine -Results @{ $Key = $Result }
        $r = Invoke-LabScript -Name 'entra-sync-cycle.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $runs = @(
            "contoso.onmicrosoft.com - AAD Export: success"
            "corp.cmglab.example Export: success"
            "contoso.onmicrosoft.com - AAD Delta Synchronization: success"
            "corp.cmglab.example Delta Synchronization: success"
            "contoso.onmicrosoft.com - AAD Delta Import: success"
            "corp.cmglab.example Delta Import: success"
        ) | ForEach-Object { if ($_ -eq "${Key}: success") { "${Key}: $Result" } else { $_ } }
        $r.Text | Should -Match ([regex]::Escape("entra-sync-cycle failed: the Delta sync cycle did not complete cleanly for corp.cmglab.example (runs: $($runs -join '; '))"))
        $r.Text | Should -Not -Match 'sync cycle completed'
    }

    It 'fails when the cycle produced no run of the forest''s AD connector' {
        Set-Engine -AdConnector 'CORP'
        $r = Invoke-LabScript -Name 'entra-sync-cycle.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('the Delta sync cycle did not complete cleanly for corp.cmglab.example (runs: contoso.onmicrosoft.com - AAD Export: success; CORP Export: success;'))
    }

    It 'times out with a clear message when its cycle does not finish within WaitMinutes' {
        Set-Engine -CycleMinutes 600
        $r = Invoke-LabScript -Name 'entra-sync-cycle.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        (Get-FakeNow) | Should -BeGreaterThan $Start.AddMinutes(20)
        (Get-FakeNow) | Should -BeLessOrEqual $Start.AddMinutes(21)
        $r.Text | Should -Match ([regex]::Escape('entra-sync-cycle failed: the Entra Connect sync cycle (Delta) is still running after 20 minutes'))
    }

    It 'times out without starting a cycle when the one already running does not finish' {
        Set-Engine -RunningFor 600
        $r = Invoke-LabScript -Name 'entra-sync-cycle.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        (Get-FakeNow) | Should -BeLessOrEqual $Start.AddMinutes(21)
        $r.Text | Should -Match ([regex]::Escape('entra-sync-cycle failed: the Entra Connect sync cycle (one already running) is still running after 20 minutes'))
        Should -Invoke Start-ADSyncSyncCycle -Times 0 -Exactly
    }

    It 'fails with the cmdlet''s error when the cycle cannot be started' {
        Set-Engine
        Mock Start-ADSyncSyncCycle { throw 'The connection to the sync engine was lost.' }
        $r = Invoke-LabScript -Name 'entra-sync-cycle.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('entra-sync-cycle failed: The connection to the sync engine was lost.'))
    }

    It 'receives a forest name with spaces, quotes, $, % and non-ASCII intact' {
        Set-Engine -AdConnector $LabAwkwardText
        $p = $Params.Clone(); $p.ForestFqdn = $LabAwkwardText
        $r = Invoke-LabScript -Name 'entra-sync-cycle.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Start-ADSyncSyncCycle -Times 1 -Exactly
    }

    It 'stops before touching the sync engine on <Name> = <Value>' -ForEach @(
        @{ Name = 'PolicyType'; Value = 'Full' }
        @{ Name = 'PolicyType'; Value = $null }
        @{ Name = 'WaitMinutes'; Value = 'soon' }
        @{ Name = 'WaitMinutes'; Value = '0' }
        @{ Name = 'ForestFqdn'; Value = '' }
        @{ Name = 'ForestFqdn'; Value = $null }
    ) {
        Set-Engine
        $p = $Params.Clone()
        if ($null -eq $Value) { $p.Remove($Name) } else { $p[$Name] = $Value }
        $r = Invoke-LabScript -Name 'entra-sync-cycle.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match "\b$Name\b"
        Should -Invoke Get-ADSyncScheduler -Times 0 -Exactly
        Should -Invoke Start-ADSyncSyncCycle -Times 0 -Exactly
    }
}
