# wait-hybrid-join.ps1: waits, bounded, for dsregcmd /status to show the device hybrid joined to
# the lab's tenant, starting the Automatic-Device-Join task meanwhile; on timeout it names the
# runbook step most likely missed. The reference lab's second miss (AzureAdJoined NO, "The device
# object by the given ID is not found": the Workstations OU not in the sync scope) is pinned here,
# with the other dsregcmd readings (the cases that were table tests of a TypeScript copy).
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs
    . (Join-Path $PSScriptRoot 'dsreg-samples.ps1')

    $script:Params = @{ TenantId = $DsregTenant; WaitMinutes = '60'; RetriggerMinutes = '5' }
    $script:TaskPath = '\Microsoft\Windows\Workplace Join\'
    $script:TaskName = 'Automatic-Device-Join'

    # The device: what dsregcmd prints before the join completes, and after the task has run
    # JoinOnRun times (0: never). Only a run of the real join task counts.
    function Set-Device {
        param([string[]] $Before, [string[]] $After = @(), [int] $JoinOnRun = 0, [bool] $TaskPresent = $true)
        $global:Device = @{ Before = $Before; After = $After; JoinOnRun = $JoinOnRun; TaskRuns = 0; TaskPresent = $TaskPresent }
    }
}

Describe 'wait-hybrid-join.ps1' {
    BeforeEach {
        . Use-FakeClock
        $script:Start = Get-FakeNow
        Mock dsregcmd {
            if ($global:Device.JoinOnRun -gt 0 -and $global:Device.TaskRuns -ge $global:Device.JoinOnRun) { return $global:Device.After }
            return $global:Device.Before
        }
        Mock Get-ScheduledTask {
            if ($global:Device.TaskPresent -and $TaskPath -eq '\Microsoft\Windows\Workplace Join\' -and $TaskName -eq 'Automatic-Device-Join') {
                [pscustomobject]@{ TaskPath = $TaskPath; TaskName = $TaskName; State = 'Ready' }
            }
        }
        Mock Start-ScheduledTask {
            if ($TaskPath -ne '\Microsoft\Windows\Workplace Join\' -or $TaskName -ne 'Automatic-Device-Join') { throw "no task $TaskPath$TaskName" }
            $global:Device.TaskRuns++
        }
    }

    It 'joins once the task has run 3 times, restarting it every RetriggerMinutes, and reads the join back' {
        Set-Device -Before (Get-DsregNotSyncedText) -After (Get-DsregJoinedText) -JoinOnRun 3
        $r = Invoke-LabScript -Name 'wait-hybrid-join.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Start-ScheduledTask -Times 3 -Exactly
        $global:Device.TaskRuns | Should -Be 3
        # Runs at 0, 5 and 10 minutes; the join is seen at the next poll.
        ((Get-FakeNow) - $Start).TotalMinutes | Should -BeGreaterOrEqual 10
        ((Get-FakeNow) - $Start).TotalMinutes | Should -BeLessThan 11
        $r.Output | Should -Contain "Hybrid joined: DeviceId=00aa00aa-bb11-cc22-dd33-44ee44ee44ee, TenantId=72f988bf-86f1-41af-91ab-2d7cd011db47"
    }

    It 'changes nothing when the device is already hybrid joined (second run)' {
        Set-Device -Before (Get-DsregJoinedText)
        $r = Invoke-LabScript -Name 'wait-hybrid-join.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Start-ScheduledTask -Times 0 -Exactly
        Get-FakeNow | Should -Be $Start
        $r.Output | Should -Contain 'Already hybrid joined to 72f988bf-86f1-41af-91ab-2d7cd011db47'
    }

    It 'reads the older dsregcmd layout (no space before the colon), as in the troubleshooting page' {
        $old = @(
            '+----------------------------------------------------------------------+'
            '| Device State                                                         |'
            '+----------------------------------------------------------------------+'
            ''
            '    AzureAdJoined: YES'
            ' EnterpriseJoined: NO'
            '         DeviceId: 5820fbe9-60c8-43b0-bb11-44aee233e4e7'
            '     KeySignTest: : MUST Run elevated to test.'
            "         TenantId: $DsregTenant"
            '       JoinSrvUrl: https://enterpriseregistration.windows.net/EnrollmentServer/device/'
            '     DomainJoined: YES'
        )
        Set-Device -Before $old
        $r = Invoke-LabScript -Name 'wait-hybrid-join.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Contain 'Already hybrid joined to 72f988bf-86f1-41af-91ab-2d7cd011db47'
    }

    It 'reads lines that keep a carriage return, and keeps the first of a repeated name' {
        $lines = @(Get-DsregJoinedText | ForEach-Object { "$_`r" }) + @('              DomainJoined : NO')
        Set-Device -Before $lines
        $r = Invoke-LabScript -Name 'wait-hybrid-join.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Contain 'Already hybrid joined to 72f988bf-86f1-41af-91ab-2d7cd011db47'
    }

    It 'compares the tenant id without regard to case (an upper-case id sent through the transport)' {
        Set-Device -Before (Get-DsregJoinedText)
        $p = $Params.Clone(); $p.TenantId = $DsregTenant.ToUpperInvariant()
        $r = Invoke-LabScript -Name 'wait-hybrid-join.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Contain 'Already hybrid joined to 72F988BF-86F1-41AF-91AB-2D7CD011DB47'
    }

    Context 'when the time is up it fails with the state seen and the step most likely missed' {
        It '<Name>' -ForEach @(
            @{
                Name = "the reference lab's miss: AzureAdJoined NO, 'device object by the given ID is not found' (sync scope)"
                Text = { Get-DsregNotSyncedText }
                Expected = 'Likely: the device object is not in Entra ID: the Workstations OU is not in the Entra Connect sync scope or no delta sync has run since the device wrote its certificate (step sync-scope)'
                Seen = 'AzureAdJoined=NO, DomainJoined=YES, Error Phase=join, Client ErrorCode=0x801c03f2, Server ErrorCode=DirectoryError'
            }
            @{
                Name = "the troubleshooting page's wording of the same miss ('isn't found')"
                Text = { Get-DsregNotSyncedText -Message "The device object by the given id (aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb) isn't found." }
                Expected = 'Workstations OU is not in the Entra Connect sync scope'
                Seen = "Server Message=The device object by the given id (aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb) isn't found."
            }
            @{
                Name = 'no SCP: AD Configuration Test FAIL and 0x801c001d in the discover phase (hybrid-join-scp)'
                Text = { Get-DsregScpMissingText }
                Expected = 'Likely: the device cannot read the Service Connection Point (step hybrid-join-scp)'
                Seen = 'Client ErrorCode=0x801c001d, AD Configuration Test=FAIL [0x801c001d]'
            }
            @{
                Name = 'no SCP, seen only in the client error code (hybrid-join-scp)'
                Text = { Get-DsregNotJoinedText -Registration @('               Error Phase : discover', '          Client ErrorCode : 0x801c001d') }
                Expected = 'Likely: the device cannot read the Service Connection Point (step hybrid-join-scp)'
                Seen = 'Error Phase=discover'
            }
            @{
                Name = 'the SCP names an unknown tenant: AADSTS90002 in the server message (hybrid-join-scp)'
                Text = { Get-DsregNotJoinedText -Registration @('               Error Phase : discover', '          Client ErrorCode : 0x801c0021', '            Server Message : AADSTS90002: Tenant not found.') }
                Expected = 'Likely: the tenant named in the SCP is not found: azureADId is wrong (step hybrid-join-scp)'
                Seen = 'Server Message=AADSTS90002: Tenant not found.'
            }
            @{
                Name = 'the SCP names an unknown tenant: sub-error 0x801c003a in the DRS Discovery Test (hybrid-join-scp)'
                Text = { Get-DsregNotJoinedText -DrsDiscovery 'FAIL [0x801c0021/0x801c003a]' -DrsConnectivity 'SKIPPED' -Registration @('               Error Phase : discover', '          Client ErrorCode : 0x801c0021') }
                Expected = 'Likely: the tenant named in the SCP is not found: azureADId is wrong (step hybrid-join-scp)'
                Seen = 'DRS Discovery Test=FAIL [0x801c0021/0x801c003a]'
            }
            @{
                Name = 'no route to the registration service: DRS Discovery Test FAIL with a network sub-error (network)'
                Text = { Get-DsregNotJoinedText -DrsDiscovery 'FAIL [0x801c0021/0x80072ee2]' -DrsConnectivity 'SKIPPED' -Registration @('               Error Phase : discover', '          Client ErrorCode : 0x801c0021') }
                Expected = 'Likely: the device cannot reach the device registration service: outbound HTTPS to enterpriseregistration.windows.net and login.microsoftonline.com (step network)'
                Seen = 'Client ErrorCode=0x801c0021'
            }
            @{
                Name = 'not domain joined (clients)'
                Text = { Get-DsregWorkgroupText }
                Expected = 'Likely: the computer is not domain joined (step clients: domain join into the Workstations OU)'
                Seen = 'AzureAdJoined=NO, DomainJoined=NO'
            }
            @{
                Name = 'nothing recorded yet: every test passes, no previous registration (sync-scope)'
                Text = { Get-DsregNotJoinedText }
                Expected = 'Likely: no join error recorded yet: the Automatic-Device-Join task has not completed, or the computer object has not been synced (step sync-scope)'
                Seen = 'AD Configuration Test=PASS, DRS Discovery Test=PASS'
            }
            @{
                Name = "joined to another tenant than the SCP's (hybrid-join-scp)"
                Text = { Get-DsregJoinedText -TenantId '00000000-0000-4000-8000-000000000001' }
                Expected = "Likely: joined to another tenant than 72f988bf-86f1-41af-91ab-2d7cd011db47: the SCP's azureADId is wrong (step hybrid-join-scp)"
                Seen = 'AzureAdJoined=YES, DomainJoined=YES, DeviceId=00aa00aa-bb11-cc22-dd33-44ee44ee44ee, TenantId=00000000-0000-4000-8000-000000000001'
            }
        ) {
            Set-Device -Before (& $Text)
            $p = $Params.Clone(); $p.WaitMinutes = '20'
            $r = Invoke-LabScript -Name 'wait-hybrid-join.ps1' -Parameters $p
            $r.ExitCode | Should -Be 1
            $r.Text | Should -Match ([regex]::Escape('wait-hybrid-join failed: not hybrid joined after 20 minutes ('))
            $r.Text | Should -Match ([regex]::Escape($Expected))
            $r.Text | Should -Match ([regex]::Escape($Seen))
            # It waited the whole bound, restarting the join task at 0, 5, 10, 15 and 20 minutes.
            ((Get-FakeNow) - $Start).TotalMinutes | Should -BeGreaterThan 20
            ((Get-FakeNow) - $Start).TotalMinutes | Should -BeLessThan 21
            Should -Invoke Start-ScheduledTask -Times 5 -Exactly
        }
    }

    It 'fails at once when the join task is missing, before waiting' {
        Set-Device -Before (Get-DsregNotJoinedText) -TaskPresent $false
        $r = Invoke-LabScript -Name 'wait-hybrid-join.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('the scheduled task \Microsoft\Windows\Workplace Join\Automatic-Device-Join is missing'))
        Should -Invoke Start-ScheduledTask -Times 0 -Exactly
        Get-FakeNow | Should -Be $Start
    }

    It 'stops before reading or starting anything when <Name>' -ForEach @(
        @{ Name = 'TenantId is not a GUID'; Change = @{ TenantId = 'contoso.onmicrosoft.com' }; Remove = $null; Parameter = 'TenantId' }
        @{ Name = 'TenantId holds awkward text'; Change = @{ TenantId = "Lab Users 'x' `"q`" `$HOME %PATH% & | ^ ! < > é ü ß 日本" }; Remove = $null; Parameter = 'TenantId' }
        @{ Name = 'TenantId is empty'; Change = @{ TenantId = '' }; Remove = $null; Parameter = 'TenantId' }
        @{ Name = 'WaitMinutes is not a number'; Change = @{ WaitMinutes = 'sixty' }; Remove = $null; Parameter = 'WaitMinutes' }
        @{ Name = 'RetriggerMinutes is 0'; Change = @{ RetriggerMinutes = '0' }; Remove = $null; Parameter = 'RetriggerMinutes' }
        @{ Name = 'RetriggerMinutes is missing'; Change = @{}; Remove = 'RetriggerMinutes'; Parameter = 'RetriggerMinutes' }
    ) {
        Set-Device -Before (Get-DsregNotJoinedText)
        $p = $Params.Clone()
        foreach ($k in $Change.Keys) { $p[$k] = $Change[$k] }
        if ($Remove) { $p.Remove($Remove) }
        $r = Invoke-LabScript -Name 'wait-hybrid-join.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match $Parameter
        Should -Invoke dsregcmd -Times 0 -Exactly
        Should -Invoke Start-ScheduledTask -Times 0 -Exactly
    }
}
