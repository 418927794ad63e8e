# device-join-trigger.ps1: makes the client write its device certificate to its own AD computer
# object (by running Automatic-Device-Join) before the delta sync that carries it to Entra ID.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs
    . (Join-Path $PSScriptRoot 'dsreg-samples.ps1')

    $script:Params = @{ WaitMinutes = '20' }

    # The LDAP read of the computer's own object is the one call that cannot run here: the script
    # keeps it in a thin wrapper, declared here with the same parameters and mocked per test.
    function global:Get-OwnComputerCertificateCount { param([string] $SamAccountName) }

    # AD and the device: the computer objects with their userCertificate count; the join task
    # writes this computer's certificate on its WriteOnRun-th run (0: never). dsregcmd prints Dsreg.
    function Set-Device {
        param([string[]] $Dsreg, [hashtable] $Objects = @{ 'CM01$' = 0 }, [int] $WriteOnRun = 0)
        $global:Device = @{ Dsreg = $Dsreg; Objects = $Objects; WriteOnRun = $WriteOnRun; TaskRuns = 0 }
    }
}

Describe 'device-join-trigger.ps1' {
    BeforeEach {
        . Use-FakeClock
        $script:Start = Get-FakeNow
        Mock dsregcmd { $global:Device.Dsreg }
        Mock Get-OwnComputerCertificateCount {
            if (-not $global:Device.Objects.ContainsKey($SamAccountName)) { return -1 }
            return $global:Device.Objects[$SamAccountName]
        }
        Mock Start-ScheduledTask {
            if ($TaskPath -ne '\Microsoft\Windows\Workplace Join\' -or $TaskName -ne 'Automatic-Device-Join') { throw "no task $TaskPath$TaskName" }
            $global:Device.TaskRuns++
            if ($global:Device.WriteOnRun -gt 0 -and $global:Device.TaskRuns -ge $global:Device.WriteOnRun) { $global:Device.Objects['CM01$'] = 1 }
        }
    }

    It 'runs the join task until the certificate is on the computer object (2 runs), then exits 0' {
        Set-Device -Dsreg (Get-DsregNotJoinedText) -WriteOnRun 2
        $r = Invoke-LabScript -Name 'device-join-trigger.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Start-ScheduledTask -Times 2 -Exactly
        $global:Device.Objects['CM01$'] | Should -Be 1
        $r.Output | Should -Contain 'The device certificate is on the computer object: the next sync carries the device to Entra ID'
    }

    It 'changes nothing when the certificate is already on the computer object (second run)' {
        Set-Device -Dsreg (Get-DsregNotSyncedText) -Objects @{ 'CM01$' = 1 }
        $r = Invoke-LabScript -Name 'device-join-trigger.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Start-ScheduledTask -Times 0 -Exactly
        Get-FakeNow | Should -Be $Start
    }

    It 'changes nothing and reads no AD when the device is already Entra joined' {
        Set-Device -Dsreg (Get-DsregJoinedText)
        $r = Invoke-LabScript -Name 'device-join-trigger.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Contain 'Already Entra (hybrid) joined'
        Should -Invoke Start-ScheduledTask -Times 0 -Exactly
        Should -Invoke Get-OwnComputerCertificateCount -Times 0 -Exactly
    }

    It 'fails when its time is up and names the SCP step that dsregcmd shows missed (0x801c001d)' {
        Set-Device -Dsreg (Get-DsregScpMissingText)
        $r = Invoke-LabScript -Name 'device-join-trigger.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('device-join-trigger failed: the computer object has no device certificate after 20 minutes'))
        $r.Text | Should -Match ([regex]::Escape('Likely: the device cannot read the Service Connection Point (step hybrid-join-scp)'))
        ((Get-FakeNow) - $Start).TotalMinutes | Should -BeGreaterThan 20
        ((Get-FakeNow) - $Start).TotalMinutes | Should -BeLessThan 22
        Should -Invoke Start-ScheduledTask -Times 21 -Exactly
    }

    It 'fails when its time is up and names the network step when the registration service is out of reach' {
        Set-Device -Dsreg (Get-DsregNotJoinedText -DrsDiscovery 'FAIL [0x801c0021/0x80072efd]' -DrsConnectivity 'SKIPPED' -Registration @('               Error Phase : discover', '          Client ErrorCode : 0x801c0021'))
        $r = Invoke-LabScript -Name 'device-join-trigger.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('(step network)'))
    }

    It 'fails when its time is up with no error recorded, pointing at the SCP and dsregcmd' {
        Set-Device -Dsreg (Get-DsregNotJoinedText)
        $r = Invoke-LabScript -Name 'device-join-trigger.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('the Automatic-Device-Join task did not register the device (check the hybrid-join SCP, step hybrid-join-scp, and dsregcmd /status)'))
    }

    It 'fails at once, without starting the task, when its computer object is not in AD' {
        Set-Device -Dsreg (Get-DsregNotJoinedText) -Objects @{ 'OTHER$' = 0 }
        $r = Invoke-LabScript -Name 'device-join-trigger.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('no computer object CM01$ in AD'))
        $r.Text | Should -Match ([regex]::Escape('step clients'))
        Should -Invoke Start-ScheduledTask -Times 0 -Exactly
        Get-FakeNow | Should -Be $Start
    }

    It 'stops before reading or starting anything when WaitMinutes is <Name>' -ForEach @(
        @{ Name = 'not a number'; Value = 'twenty' }
        @{ Name = 'empty'; Value = '' }
        @{ Name = 'awkward text'; Value = "Lab Users 'x' `"q`" `$HOME %PATH% & | ^ ! < > é ü ß 日本" }
        @{ Name = 'missing'; Value = $null }
    ) {
        Set-Device -Dsreg (Get-DsregNotJoinedText) -WriteOnRun 1
        $p = if ($null -eq $Value) { @{} } else { @{ WaitMinutes = $Value } }
        $r = Invoke-LabScript -Name 'device-join-trigger.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match 'WaitMinutes'
        Should -Invoke dsregcmd -Times 0 -Exactly
        Should -Invoke Start-ScheduledTask -Times 0 -Exactly
    }
}
