# lab-cmg-power.ps1: npm run pause stops the CMG from the site, npm run resume starts it and waits
# until it is ready. Both first wait for AD and SMS_EXECUTIVE (the VMs may have just booted).
# Ready is State 0 with StatusDetails 1, and a missing value is never 0 (checked-facts.md);
# stopped is State 6 (a public community script's table, UNCONFIRMED, as in the script).
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Fqdn = 'cmglabab12.westeurope.cloudapp.azure.com'
    $script:StopParams = @{ Action = 'stop'; SiteCode = 'PS1'; CmgFqdn = $Fqdn; WaitMinutes = '15' }
    $script:StartParams = @{ Action = 'start'; SiteCode = 'PS1'; CmgFqdn = $Fqdn; WaitMinutes = '30' }

    # The thin .NET wrapper the script defines (the domain's DC lookup, Windows only): a global
    # placeholder with its parameters, so Pester can mock it.
    function global:Get-DomainControllerName { }

    # The machine: when (fake-clock minutes from the start) AD answers and SMS_EXECUTIVE runs.
    function Set-Machine {
        param([int] $AdAfterMinutes = 0, [int] $SiteAfterMinutes = 0)
        $global:Machine = @{ AdAt = (Get-FakeNow).AddMinutes($AdAfterMinutes); SiteAt = (Get-FakeNow).AddMinutes($SiteAfterMinutes) }
    }

    # The site's CMG as Get-CMCloudManagementGateway shows it: its current properties, and what a
    # stop or start request turns it into after some minutes (fake clock). Values are hashtables
    # of the properties shown, so a test can leave State or StatusDetails out entirely.
    function Set-Cmg {
        param(
            [hashtable] $Now = @{ State = 0; StatusDetails = 1 },
            [hashtable] $AfterStart = @{ State = 0; StatusDetails = 1 },
            [int] $StartMinutes = 0,
            [hashtable] $AfterStop = @{ State = 6; StatusDetails = 0 },
            [int] $StopMinutes = 0,
            [string] $Name = $Fqdn
        )
        $global:Cmg = @{
            Name = $Name; Shown = $Now; Pending = $null; PendingAt = $null
            AfterStart = $AfterStart; StartMinutes = $StartMinutes; AfterStop = $AfterStop; StopMinutes = $StopMinutes
            Received = @()
        }
    }
    function Get-CmgView {
        if ($null -ne $global:Cmg.Pending -and (Get-FakeNow) -ge $global:Cmg.PendingAt) {
            $global:Cmg.Shown = $global:Cmg.Pending
            $global:Cmg.Pending = $null
        }
        $props = [ordered]@{ Name = $global:Cmg.Name; ServiceType = 'CloudProxyService' }
        foreach ($k in $global:Cmg.Shown.Keys) { $props[$k] = $global:Cmg.Shown[$k] }
        [pscustomobject] $props
    }
}

Describe 'lab-cmg-power.ps1' {
    BeforeEach {
        . Use-FakeClock
        Set-Machine
        Set-Cmg
        Mock Get-DomainControllerName {
            if ((Get-FakeNow) -lt $global:Machine.AdAt) { throw 'The specified domain either does not exist or could not be contacted.' }
            'DC01.corp.cmglab.example'
        }
        Mock Get-Service {
            $status = if ((Get-FakeNow) -ge $global:Machine.SiteAt) { 'Running' } else { 'StartPending' }
            [pscustomobject]@{ Name = 'SMS_EXECUTIVE'; Status = $status }
        } -ParameterFilter { $Name -eq 'SMS_EXECUTIVE' }
        Mock Get-Module { [pscustomobject]@{ Name = 'ConfigurationManager' } } -ParameterFilter { $Name -eq 'ConfigurationManager' }
        Mock Get-PSDrive { [pscustomobject]@{ Name = 'PS1' } } -ParameterFilter { $Name -eq 'PS1' }
        Mock Set-Location { }
        Mock Get-CMCloudManagementGateway {
            $global:Cmg.Received += $Name
            if ($Name -ne $global:Cmg.Name) { return $null }
            Get-CmgView
        }
        Mock Stop-CMCloudManagementGateway {
            if ($InputObject.Name -ne $global:Cmg.Name) { throw "Stop-CMCloudManagementGateway got $($InputObject.Name)" }
            $global:Cmg.Shown = @{ State = 5; StatusDetails = 0 }
            $global:Cmg.Pending = $global:Cmg.AfterStop
            $global:Cmg.PendingAt = (Get-FakeNow).AddMinutes($global:Cmg.StopMinutes)
        }
        Mock Start-CMCloudManagementGateway {
            if ($InputObject.Name -ne $global:Cmg.Name) { throw "Start-CMCloudManagementGateway got $($InputObject.Name)" }
            $global:Cmg.Shown = @{ State = 4; StatusDetails = 0 }
            $global:Cmg.Pending = $global:Cmg.AfterStart
            $global:Cmg.PendingAt = (Get-FakeNow).AddMinutes($global:Cmg.StartMinutes)
        }
    }

    Context 'stop (npm run pause)' {
        It 'stops a running CMG (the InputObject form) and waits until the site shows it stopped' {
            Set-Cmg -Now @{ State = 0; StatusDetails = 1 } -StopMinutes 4
            $r = Invoke-LabScript -Name 'lab-cmg-power.ps1' -Parameters $StopParams
            $r.ExitCode | Should -Be 0 -Because $r.Text
            Should -Invoke Stop-CMCloudManagementGateway -Times 1 -Exactly -ParameterFilter { $InputObject.Name -eq 'cmglabab12.westeurope.cloudapp.azure.com' }
            Should -Invoke Start-CMCloudManagementGateway -Times 0 -Exactly
            $global:Cmg.Shown.State | Should -Be 6
            $r.Output | Should -Contain 'CMG cmglabab12.westeurope.cloudapp.azure.com stopped (State=6, StatusDetails=0)'
            $r.Output | Should -Contain 'lab-cmg-power ok'
            (Get-FakeNow) | Should -BeGreaterOrEqual ([datetime]::new(2026, 1, 1, 8, 4, 0))
            (Get-FakeNow) | Should -BeLessThan ([datetime]::new(2026, 1, 1, 8, 5, 0))
        }

        It 'changes nothing when the CMG is already stopped (second pause)' {
            Set-Cmg -Now @{ State = 6; StatusDetails = 0 }
            $r = Invoke-LabScript -Name 'lab-cmg-power.ps1' -Parameters $StopParams
            $r.ExitCode | Should -Be 0 -Because $r.Text
            Should -Invoke Stop-CMCloudManagementGateway -Times 0 -Exactly
            $r.Output | Should -Contain 'CMG cmglabab12.westeurope.cloudapp.azure.com already stopped (State=6, StatusDetails=0)'
        }

        It 'fails when the stop does not take within the wait, naming the state and what it costs' {
            Set-Cmg -Now @{ State = 0; StatusDetails = 1 } -AfterStop @{ State = 0; StatusDetails = 1 }
            $r = Invoke-LabScript -Name 'lab-cmg-power.ps1' -Parameters $StopParams
            $r.ExitCode | Should -Be 1
            $r.Text | Should -Match 'CMG cmglabab12\.westeurope\.cloudapp\.azure\.com not stopped after 15 minutes \(State=0, StatusDetails=1; stopped is State 6\)'
            $r.Text | Should -Match 'still bills'
            (Get-FakeNow) | Should -BeGreaterThan ([datetime]::new(2026, 1, 1, 8, 15, 0))
        }

        It 'fails with what to do when the site denies the stop (LocalSystem without ConfigMgr rights)' {
            Mock Stop-CMCloudManagementGateway { throw 'Access denied.' }
            $r = Invoke-LabScript -Name 'lab-cmg-power.ps1' -Parameters $StopParams
            $r.ExitCode | Should -Be 1
            $r.Text | Should -Match 'Stop-CMCloudManagementGateway failed: Access denied\.'
            $r.Text | Should -Match 'sign in to CM01 as the lab admin'
        }
    }

    Context 'start (npm run resume)' {
        It 'starts a stopped CMG and waits until it is ready (State 0 with StatusDetails 1), polling' {
            Set-Cmg -Now @{ State = 6; StatusDetails = 0 } -StartMinutes 7
            $r = Invoke-LabScript -Name 'lab-cmg-power.ps1' -Parameters $StartParams
            $r.ExitCode | Should -Be 0 -Because $r.Text
            Should -Invoke Start-CMCloudManagementGateway -Times 1 -Exactly -ParameterFilter { $InputObject.Name -eq 'cmglabab12.westeurope.cloudapp.azure.com' }
            Should -Invoke Stop-CMCloudManagementGateway -Times 0 -Exactly
            $r.Output | Should -Contain 'CMG cmglabab12.westeurope.cloudapp.azure.com ready (State=0, StatusDetails=1)'
            # Polled every 30 seconds: done within 30 seconds of becoming ready, after several polls.
            (Get-FakeNow) | Should -BeGreaterOrEqual ([datetime]::new(2026, 1, 1, 8, 7, 0))
            (Get-FakeNow) | Should -BeLessOrEqual ([datetime]::new(2026, 1, 1, 8, 7, 30))
            Should -Invoke Get-CMCloudManagementGateway -Times 10
        }

        It 'changes nothing when the CMG is already ready (second resume)' {
            Set-Cmg -Now @{ State = 0; StatusDetails = 1 }
            $r = Invoke-LabScript -Name 'lab-cmg-power.ps1' -Parameters $StartParams
            $r.ExitCode | Should -Be 0 -Because $r.Text
            Should -Invoke Start-CMCloudManagementGateway -Times 0 -Exactly
            $r.Output | Should -Contain 'CMG cmglabab12.westeurope.cloudapp.azure.com ready (State=0, StatusDetails=1)'
        }

        It 'never counts a missing <Missing> as ready, and fails on the deadline naming both values' -ForEach @(
            @{ Missing = 'State'; Shown = @{ StatusDetails = 1 }; Text = 'State=\(none\), StatusDetails=1' }
            @{ Missing = 'StatusDetails'; Shown = @{ State = 0 }; Text = 'State=0, StatusDetails=\(none\)' }
            @{ Missing = 'State and StatusDetails'; Shown = @{ State = $null; StatusDetails = '' }; Text = 'State=\(none\), StatusDetails=\(none\)' }
        ) {
            Set-Cmg -Now $Shown
            $r = Invoke-LabScript -Name 'lab-cmg-power.ps1' -Parameters $StartParams
            $r.ExitCode | Should -Be 1
            $r.Text | Should -Match "CMG cmglabab12\.westeurope\.cloudapp\.azure\.com not ready after 30 minutes \($Text; ready is State 0 with StatusDetails 1\)"
            $r.Output | Should -Not -Contain 'lab-cmg-power ok'
        }

        It 'is not ready on State 0 while StatusDetails says otherwise' {
            Set-Cmg -Now @{ State = 6; StatusDetails = 0 } -AfterStart @{ State = 0; StatusDetails = 4 }
            $r = Invoke-LabScript -Name 'lab-cmg-power.ps1' -Parameters $StartParams
            $r.ExitCode | Should -Be 1
            $r.Text | Should -Match 'not ready after 30 minutes \(State=0, StatusDetails=4;'
            Should -Invoke Start-CMCloudManagementGateway -Times 1 -Exactly
        }

        It 'fails on the deadline when the started CMG never becomes ready' {
            Set-Cmg -Now @{ State = 6; StatusDetails = 0 } -StartMinutes 1000
            $r = Invoke-LabScript -Name 'lab-cmg-power.ps1' -Parameters $StartParams
            $r.ExitCode | Should -Be 1
            $r.Text | Should -Match 'not ready after 30 minutes \(State=4, StatusDetails=0;'
            $r.Text | Should -Match 'CloudMgr\.log'
            (Get-FakeNow) | Should -BeGreaterThan ([datetime]::new(2026, 1, 1, 8, 30, 0))
            (Get-FakeNow) | Should -BeLessThan ([datetime]::new(2026, 1, 1, 8, 31, 0))
        }

        It 'fails with what to do when the site denies the start' {
            Set-Cmg -Now @{ State = 6; StatusDetails = 0 }
            Mock Start-CMCloudManagementGateway { throw 'Access denied.' }
            $r = Invoke-LabScript -Name 'lab-cmg-power.ps1' -Parameters $StartParams
            $r.ExitCode | Should -Be 1
            $r.Text | Should -Match 'Start-CMCloudManagementGateway failed: Access denied\.'
            $r.Text | Should -Match 'sign in to CM01 as the lab admin'
        }
    }

    Context 'AD and the site first' {
        It 'waits for AD and SMS_EXECUTIVE before it touches the site' {
            Set-Machine -AdAfterMinutes 3 -SiteAfterMinutes 5
            Set-Cmg -Now @{ State = 6; StatusDetails = 0 }
            Mock Get-CMCloudManagementGateway {
                if ((Get-FakeNow) -lt $global:Machine.SiteAt -or (Get-FakeNow) -lt $global:Machine.AdAt) { throw 'the SMS Provider was asked before the site was up' }
                if ($Name -ne $global:Cmg.Name) { return $null }
                Get-CmgView
            }
            $r = Invoke-LabScript -Name 'lab-cmg-power.ps1' -Parameters $StartParams
            $r.ExitCode | Should -Be 0 -Because $r.Text
            Should -Invoke Start-CMCloudManagementGateway -Times 1 -Exactly
            $r.Output | Should -Contain 'AD (DC01.corp.cmglab.example) and SMS_EXECUTIVE are up'
        }

        It 'fails on the deadline when AD never answers, naming it, before any CMG call' {
            Set-Machine -AdAfterMinutes 1000
            $r = Invoke-LabScript -Name 'lab-cmg-power.ps1' -Parameters $StartParams
            $r.ExitCode | Should -Be 1
            $r.Text | Should -Match 'AD or the site not up after 30 minutes \(AD: The specified domain either does not exist or could not be contacted\.; SMS_EXECUTIVE: Running\)'
            Should -Invoke Get-CMCloudManagementGateway -Times 0 -Exactly
            Should -Invoke Start-CMCloudManagementGateway -Times 0 -Exactly
        }

        It 'fails on the deadline when SMS_EXECUTIVE never runs (or is missing)' {
            Mock Get-Service { $null } -ParameterFilter { $Name -eq 'SMS_EXECUTIVE' }
            $r = Invoke-LabScript -Name 'lab-cmg-power.ps1' -Parameters $StopParams
            $r.ExitCode | Should -Be 1
            $r.Text | Should -Match 'AD or the site not up after 15 minutes \(AD: DC01\.corp\.cmglab\.example; SMS_EXECUTIVE: not installed\)'
            Should -Invoke Stop-CMCloudManagementGateway -Times 0 -Exactly
        }
    }

    Context 'input' {
        It 'fails when the site has no CMG of that name, naming it' {
            Set-Cmg -Name 'other.westeurope.cloudapp.azure.com'
            $r = Invoke-LabScript -Name 'lab-cmg-power.ps1' -Parameters $StopParams
            $r.ExitCode | Should -Be 1
            $r.Text | Should -Match 'no CMG named cmglabab12\.westeurope\.cloudapp\.azure\.com in site PS1'
            Should -Invoke Stop-CMCloudManagementGateway -Times 0 -Exactly
        }

        It 'receives a name with spaces, quotes, $, % and non-ASCII intact' {
            Set-Cmg -Name $LabAwkwardText -Now @{ State = 6; StatusDetails = 0 }
            $p = $StartParams.Clone(); $p.CmgFqdn = $LabAwkwardText
            $r = Invoke-LabScript -Name 'lab-cmg-power.ps1' -Parameters $p
            $r.ExitCode | Should -Be 0 -Because $r.Text
            $global:Cmg.Received | Should -Contain $LabAwkwardText
            Should -Invoke Start-CMCloudManagementGateway -Times 1 -Exactly -ParameterFilter { $InputObject.Name -eq $LabAwkwardText }
        }

        It 'stops at once on a missing or malformed <Name>, before any change' -ForEach @(
            @{ Name = 'Action'; Value = $null; Pattern = 'Action' }
            @{ Name = 'Action'; Value = 'restart'; Pattern = 'Action' }
            @{ Name = 'SiteCode'; Value = $null; Pattern = 'SiteCode' }
            @{ Name = 'SiteCode'; Value = 'PS 1'; Pattern = 'SiteCode must be three letters or digits' }
            @{ Name = 'CmgFqdn'; Value = $null; Pattern = 'CmgFqdn' }
            @{ Name = 'CmgFqdn'; Value = ''; Pattern = 'CmgFqdn' }
            @{ Name = 'WaitMinutes'; Value = $null; Pattern = 'WaitMinutes' }
            @{ Name = 'WaitMinutes'; Value = 'ten'; Pattern = 'WaitMinutes must be a whole number of minutes' }
            @{ Name = 'WaitMinutes'; Value = '0'; Pattern = 'WaitMinutes must be a whole number of minutes' }
        ) {
            $p = $StartParams.Clone()
            if ($null -eq $Value) { $p.Remove($Name) } else { $p[$Name] = $Value }
            $r = Invoke-LabScript -Name 'lab-cmg-power.ps1' -Parameters $p
            $r.ExitCode | Should -Not -Be 0
            $r.Text | Should -Match $Pattern
            Should -Invoke Get-DomainControllerName -Times 0 -Exactly
            Should -Invoke Start-CMCloudManagementGateway -Times 0 -Exactly
            Should -Invoke Stop-CMCloudManagementGateway -Times 0 -Exactly
        }
    }
}
