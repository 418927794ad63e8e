# entra-connect-configure.ps1: the bounded wait, in rounds, for the one-time Entra Connect
# wizard. It reads only signs that need no ADSync rights (the ADSync service, the wizard's
# Applied-SynchronizationPolicy-*.json, the wizard process) and changes nothing. The wizard's
# progress is modelled on the fake clock: each sign appears at a set time.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Workstations = 'OU=Workstations,DC=corp,DC=cmglab,DC=example'
    $script:Users = 'OU=LabUsers,DC=corp,DC=cmglab,DC=example'
    $script:Params = @{
        ForestFqdn = 'corp.cmglab.example'
        ExpectedOuDns = "$Workstations;$Users"
        SetupUpn = 'cmglab-dev-connect-setup@contoso.onmicrosoft.com'
        AdminUser = 'CORP\labadmin'
        WaitMinutes = '60'
        LastRound = 'false'
    }
    $script:Start = [datetime]::new(2026, 1, 1, 8, 0, 0)

    # The server as the presenter leaves it: each sign appears at a minute after the start of the
    # round ($null: never). The wizard process runs from WizardOpenAt until WizardClosedAt.
    function Set-Server {
        param($InstalledAt = 0, $RunningAt = 0, $AppliedAt = 0, $WizardOpenAt = $null, $WizardClosedAt = $null)
        $global:Server = @{ InstalledAt = $InstalledAt; RunningAt = $RunningAt; AppliedAt = $AppliedAt; WizardOpenAt = $WizardOpenAt; WizardClosedAt = $WizardClosedAt }
    }
    function Test-Since {
        param($Minute)
        ($null -ne $Minute) -and ((Get-FakeNow) -ge $Start.AddMinutes($Minute))
    }
}

Describe 'entra-connect-configure.ps1' {
    BeforeEach {
        . Use-FakeClock -Start $Start
        Mock Get-Service {
            if (-not (Test-Since $global:Server.InstalledAt)) { return $null }
            [pscustomobject]@{ Name = 'ADSync'; Status = $(if (Test-Since $global:Server.RunningAt) { 'Running' } else { 'Stopped' }) }
        } -ParameterFilter { $Name -contains 'ADSync' }
        Mock Get-ChildItem {
            if (-not (Test-Since $global:Server.AppliedAt)) { return }
            [pscustomobject]@{ Name = 'Applied-SynchronizationPolicy-2026-01-01-081500.json' }
        # Join-Path writes '/' on this Linux test host where Windows writes '\'.
        } -ParameterFilter { (@($Path)[0] -replace '/', '\') -eq 'C:\ProgramData\AADConnect' -and $Filter -eq 'Applied-SynchronizationPolicy-*.json' }
        Mock Get-Process {
            if ((Test-Since $global:Server.WizardOpenAt) -and -not (Test-Since $global:Server.WizardClosedAt)) { [pscustomobject]@{ Name = 'AzureADConnect'; Id = 4242 } }
        } -ParameterFilter { $Name -contains 'AzureADConnect' }
        # The wait must not touch ADSync: the run command's logon predates the wizard's ADSyncAdmins.
        Mock Import-Module { }
        Mock Get-ADSyncConnector { }
        Mock Get-ADSyncScheduler { }
    }

    It 'passes at once, without waiting, when the wizard was completed before (a resumed lab)' {
        Set-Server
        $r = Invoke-LabScript -Name 'entra-connect-configure.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Start-Sleep -Times 0 -Exactly
        $r.Output | Should -Contain 'The Entra Connect wizard has applied its configuration; entra-connect-verify.ps1 checks it next'
        $r.Text | Should -Not -Match 'Complete its wizard once'
        Should -Invoke Import-Module -Times 0 -Exactly
        Should -Invoke Get-ADSyncConnector -Times 0 -Exactly
        Should -Invoke Get-ADSyncScheduler -Times 0 -Exactly
    }

    It 'waits while the presenter runs the wizard in the first round and passes within a minute of its end' {
        # Installed by the install step; the wizard is opened at 5, applies at 31 and is closed at 33.
        Set-Server -RunningAt 31 -AppliedAt 31 -WizardOpenAt 5 -WizardClosedAt 33
        $r = Invoke-LabScript -Name 'entra-connect-configure.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        (Get-FakeNow) | Should -BeGreaterOrEqual $Start.AddMinutes(33)
        (Get-FakeNow) | Should -BeLessOrEqual $Start.AddMinutes(34)
        $r.Output | Should -Contain 'The Entra Connect wizard has applied its configuration; entra-connect-verify.ps1 checks it next'
        $r.Text | Should -Not -Match 'Still waiting'
        Should -Invoke Get-ADSyncConnector -Times 0 -Exactly
    }

    It 'does not take an applied configuration for done while the wizard is still open' {
        Set-Server -WizardOpenAt 0 -WizardClosedAt 12
        $r = Invoke-LabScript -Name 'entra-connect-configure.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        (Get-FakeNow) | Should -BeGreaterOrEqual $Start.AddMinutes(12)
    }

    It 'ends a non-last round unfinished with exit 0, the instructions and why it waits on (<Why>)' -ForEach @(
        @{ Server = @{ InstalledAt = $null }; Why = 'the sync engine is not installed: the wizard has not been run' }
        @{ Server = @{ RunningAt = $null; AppliedAt = $null }; Why = 'the ADSync service is Stopped' }
        @{ Server = @{ AppliedAt = $null }; Why = 'the wizard has not applied a configuration yet' }
        @{ Server = @{ WizardOpenAt = 0 }; Why = 'the wizard is still open' }
    ) {
        Set-Server @Server
        $r = Invoke-LabScript -Name 'entra-connect-configure.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        (Get-FakeNow) | Should -BeGreaterThan $Start.AddMinutes(60)
        (Get-FakeNow) | Should -BeLessOrEqual $Start.AddMinutes(61)
        $r.Output | Should -Contain "Still waiting after 60 minutes ($Why); the next round of this check waits on"
        $r.Output | Should -Contain '7. Domain and OU filtering: Sync selected domains and OUs; select exactly OU=Workstations,DC=corp,DC=cmglab,DC=example and OU=LabUsers,DC=corp,DC=cmglab,DC=example and clear everything else, the domain root included.'
        $r.Errors | Should -BeNullOrEmpty
    }

    It 'fails in the last round with the wizard instructions and what to do next' {
        Set-Server -AppliedAt $null
        $last = $Params.Clone(); $last.LastRound = 'true'
        $r = Invoke-LabScript -Name 'entra-connect-configure.ps1' -Parameters $last
        $r.ExitCode | Should -Be 1
        (Get-FakeNow) | Should -BeGreaterThan $Start.AddMinutes(60)
        $r.Output | Should -Contain 'Entra Connect is installed on CM01 but not configured yet. Complete its wizard once; pulumi up notices within a minute and goes on (this check waits in rounds of 60 minutes; after its last round it fails with these choices, and the next pulumi up waits one more round):'
        $r.Output | Should -Contain '1. Connect to CM01 through Azure Bastion and sign in as CORP\labadmin (the wizard adds the signed-in account to ADSyncAdmins; the lab''s later steps run as that account).'
        $r.Output | Should -Contain '3. User sign-in: Password Hash Synchronization. Leave Enable single sign-on clear.'
        $r.Output | Should -Contain "4. Connect to Microsoft Entra ID: sign in as cmglab-dev-connect-setup@contoso.onmicrosoft.com with the password of that setup identity (npm run credentials prints it, from the stack's state)."
        $r.Output | Should -Contain '5. Connect your directories: forest corp.cmglab.example, Add Directory, Create new AD account, with CORP\labadmin and its password.'
        $r.Output | Should -Contain '10. Ready to configure: clear Start the synchronization process when configuration completes and clear Enable staging mode, then Install (the lab sets the scope and runs the first sync).'
        $r.Text | Should -Not -Match 'Still waiting'
        $r.Text | Should -Match ([regex]::Escape("entra-connect-configure failed: Entra Connect is still not configured after this check's last round (the wizard has not applied a configuration yet). Complete the wizard as above, then run pulumi up again."))
    }

    It 'passes in the last round when the wizard is finished just before its end' {
        Set-Server -AppliedAt 59
        $last = $Params.Clone(); $last.LastRound = 'true'
        $r = Invoke-LabScript -Name 'entra-connect-configure.ps1' -Parameters $last
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Text | Should -Not -Match 'Complete its wizard once'
    }

    It 'prints the account, setup identity and OUs intact through the run-command transport' {
        Set-Server -AppliedAt $null
        $odd = "OU=$LabAwkwardText,DC=corp,DC=cmglab,DC=example"
        $p = $Params.Clone()
        $p.ExpectedOuDns = "$Workstations;$odd"
        $p.AdminUser = "CORP\$LabAwkwardText"
        $p.SetupUpn = "$LabAwkwardText@contoso.onmicrosoft.com"
        $p.ForestFqdn = $LabAwkwardText
        $r = Invoke-LabScript -Name 'entra-connect-configure.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Contain "7. Domain and OU filtering: Sync selected domains and OUs; select exactly OU=Workstations,DC=corp,DC=cmglab,DC=example and OU=Lab Users 'x' `"q`" `$HOME %PATH% & | ^ ! < > é ü ß 日本,DC=corp,DC=cmglab,DC=example and clear everything else, the domain root included."
        $r.Output | Should -Contain "1. Connect to CM01 through Azure Bastion and sign in as CORP\Lab Users 'x' `"q`" `$HOME %PATH% & | ^ ! < > é ü ß 日本 (the wizard adds the signed-in account to ADSyncAdmins; the lab's later steps run as that account)."
        $r.Output | Should -Contain "4. Connect to Microsoft Entra ID: sign in as Lab Users 'x' `"q`" `$HOME %PATH% & | ^ ! < > é ü ß 日本@contoso.onmicrosoft.com with the password of that setup identity (npm run credentials prints it, from the stack's state)."
        $r.Output | Should -Contain "5. Connect your directories: forest Lab Users 'x' `"q`" `$HOME %PATH% & | ^ ! < > é ü ß 日本, Add Directory, Create new AD account, with CORP\Lab Users 'x' `"q`" `$HOME %PATH% & | ^ ! < > é ü ß 日本 and its password."
    }

    It 'stops at once, naming the parameter, on <Name> = <Value>' -ForEach @(
        @{ Name = 'WaitMinutes'; Value = 'sixty' }
        @{ Name = 'WaitMinutes'; Value = '0' }
        @{ Name = 'WaitMinutes'; Value = '' }
        @{ Name = 'LastRound'; Value = 'yes' }
        @{ Name = 'SetupUpn'; Value = '' }
        @{ Name = 'ExpectedOuDns'; Value = '' }
        @{ Name = 'ForestFqdn'; Value = $null }
        @{ Name = 'AdminUser'; Value = $null }
    ) {
        Set-Server -AppliedAt $null
        $p = $Params.Clone()
        if ($null -eq $Value) { $p.Remove($Name) } else { $p[$Name] = $Value }
        $r = Invoke-LabScript -Name 'entra-connect-configure.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match "\b$Name\b"
        Should -Invoke Start-Sleep -Times 0 -Exactly
        Should -Invoke Get-Service -Times 0 -Exactly
    }
}
