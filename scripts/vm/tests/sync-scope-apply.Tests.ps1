# sync-scope-apply.ps1: Entra Connect OU filtering made exactly the lab's OUs and read back.
# The reference lab's second miss (the Workstations OU not synced, so hybrid join never happens)
# is pinned here against the script itself.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Domain = 'DC=corp,DC=cmglab,DC=example'
    $script:Workstations = "OU=Workstations,$Domain"
    $script:Users = "OU=LabUsers,$Domain"
    $script:Servers = "OU=Servers,$Domain"
    $script:Params = @{
        Mode = 'scripted'
        ForestFqdn = 'corp.cmglab.example'
        DomainDn = $Domain
        ExpectedOuDns = "$Workstations;$Users"
        WorkstationsOuDn = $Workstations
        UsersOuDn = $Users
    }

    # The sync engine's state: what Add-ADSyncConnector stored. Get-ADSyncConnector hands out a
    # fresh copy each time, as the engine does, so an edit that is never saved is not read back.
    function Set-Engine {
        param([string[]] $Inclusion, [string[]] $Exclusion = @(), [bool] $Scheduler = $true, [string] $Name = 'corp.cmglab.example')
        $global:Engine = @{ Name = $Name; Inclusion = @($Inclusion); Exclusion = @($Exclusion); Scheduler = $Scheduler; Saves = 0; SchedulerAtSave = $null }
    }
    function New-ConnectorCopy {
        $inclusion = New-Object System.Collections.Generic.List[string]
        foreach ($dn in $global:Engine.Inclusion) { $inclusion.Add($dn) }
        $exclusion = New-Object System.Collections.Generic.List[string]
        foreach ($dn in $global:Engine.Exclusion) { $exclusion.Add($dn) }
        $scope = [pscustomobject]@{ ContainerInclusionList = $inclusion; ContainerExclusionList = $exclusion }
        [pscustomobject]@{
            Name = $global:Engine.Name
            Partitions = @(
                [pscustomobject]@{ DN = 'CN=Configuration,DC=corp,DC=cmglab,DC=example'; ConnectorPartitionScope = $null }
                [pscustomobject]@{ DN = 'DC=corp, DC=cmglab, DC=example'; ConnectorPartitionScope = $scope }
            )
        }
    }
}

Describe 'sync-scope-apply.ps1' {
    BeforeEach {
        Mock Get-ItemProperty { $null }
        Mock Test-Path { $false }
        Mock Import-Module { } -ParameterFilter { $Name -eq 'ADSync' }
        Mock Get-ADSyncConnector { New-ConnectorCopy }
        Mock Add-ADSyncConnector {
            $scope = @($Connector.Partitions | Where-Object { $null -ne $_.ConnectorPartitionScope })[0].ConnectorPartitionScope
            $global:Engine.Inclusion = @($scope.ContainerInclusionList)
            $global:Engine.Exclusion = @($scope.ContainerExclusionList)
            $global:Engine.Saves++
            $global:Engine.SchedulerAtSave = $global:Engine.Scheduler
        }
        Mock Get-ADSyncScheduler { [pscustomobject]@{ SyncCycleEnabled = $global:Engine.Scheduler } }
        Mock Set-ADSyncScheduler { $global:Engine.Scheduler = [bool] $SyncCycleEnabled }
    }

    It 'adds the missing Workstations OU, drops the whole-domain scope, saves once and reads it back' {
        Set-Engine -Inclusion @($Domain, $Users) -Exclusion @("OU=Old,$Workstations") -Scheduler $false
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Engine.Inclusion | Should -Be @($Workstations, $Users)
        $global:Engine.Exclusion | Should -BeNullOrEmpty
        $global:Engine.Saves | Should -Be 1
        $global:Engine.Scheduler | Should -BeTrue
        # The scheduler was off already (the wizard leaves it off): nothing to turn off for the
        # save; the step then turns it on as its desired state.
        $global:Engine.SchedulerAtSave | Should -BeFalse
        Should -Invoke Set-ADSyncScheduler -Times 0 -Exactly -ParameterFilter { $SyncCycleEnabled -eq $false }
        $r.Output | Should -Contain "Sync scope of $Domain is exactly $Workstations and $Users; scheduler enabled"
    }

    It 'turns an enabled scheduler off for the save and back on after it, reading it back' {
        Set-Engine -Inclusion @($Users) -Scheduler $true
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Engine.SchedulerAtSave | Should -BeFalse
        $global:Engine.Scheduler | Should -BeTrue
        Should -Invoke Set-ADSyncScheduler -Times 1 -Exactly -ParameterFilter { $SyncCycleEnabled -eq $false }
        Should -Invoke Set-ADSyncScheduler -Times 1 -Exactly -ParameterFilter { $SyncCycleEnabled -eq $true }
    }

    It 'turns the scheduler back on when the connector save throws, and fails with that error first' {
        Set-Engine -Inclusion @($Users) -Scheduler $true
        Mock Add-ADSyncConnector { throw 'The operation is not allowed while a synchronization is running.' }
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $global:Engine.Scheduler | Should -BeTrue
        Should -Invoke Set-ADSyncScheduler -Times 1 -Exactly -ParameterFilter { $SyncCycleEnabled -eq $true }
        $r.Text | Should -Match ([regex]::Escape('sync-scope-apply failed: The operation is not allowed while a synchronization is running. (sync scheduler: turned back on, read back enabled)'))
    }

    It 'turns the scheduler back on when reading the connector for the change throws' {
        Set-Engine -Inclusion @($Users) -Scheduler $true
        $global:ConnectorReads = 0
        Mock Get-ADSyncConnector {
            $global:ConnectorReads++
            # The first read is the comparison; the second is the change's.
            if ($global:ConnectorReads -eq 2) { throw 'The RPC server is unavailable.' }
            New-ConnectorCopy
        }
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $global:ConnectorReads | Should -Be 2
        $global:Engine.Scheduler | Should -BeTrue
        $r.Text | Should -Match ([regex]::Escape('sync-scope-apply failed: The RPC server is unavailable. (sync scheduler: turned back on, read back enabled)'))
        Should -Invoke Add-ADSyncConnector -Times 0 -Exactly
    }

    It 'leaves a scheduler that was off before the run off when the save throws, and says so' {
        Set-Engine -Inclusion @($Users) -Scheduler $false
        Mock Add-ADSyncConnector { throw 'The operation is not allowed while a synchronization is running.' }
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $global:Engine.Scheduler | Should -BeFalse
        Should -Invoke Set-ADSyncScheduler -Times 0 -Exactly
        $r.Text | Should -Match ([regex]::Escape('sync-scope-apply failed: The operation is not allowed while a synchronization is running. (sync scheduler: already off before this run, left off)'))
    }

    It 'names both the save error and the scheduler left off when turning it back on <Case>' -ForEach @(
        @{ Case = 'throws'; Enable = { throw 'Access is denied.' }; Says = 'Access is denied.' }
        @{ Case = 'does not stick (read back)'; Enable = { }; Says = 'it reads back disabled' }
    ) {
        Set-Engine -Inclusion @($Users) -Scheduler $true
        Mock Add-ADSyncConnector { throw 'The operation is not allowed while a synchronization is running.' }
        $global:Enable = $Enable
        Mock Set-ADSyncScheduler { if ($SyncCycleEnabled) { & $global:Enable } else { $global:Engine.Scheduler = $false } }
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $global:Engine.Scheduler | Should -BeFalse
        $r.Text | Should -Match ([regex]::Escape("sync-scope-apply failed: The operation is not allowed while a synchronization is running. (sync scheduler: still OFF, turning it back on failed: $Says; on CM01 run Set-ADSyncScheduler -SyncCycleEnabled `$true)"))
    }

    It 'changes nothing when the scope is already exact (second run)' {
        Set-Engine -Inclusion @($Workstations, $Users)
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Add-ADSyncConnector -Times 0 -Exactly
        Should -Invoke Set-ADSyncScheduler -Times 0 -Exactly
    }

    It 'fails naming the OU and the hybrid-join consequence when the save does not stick' {
        Set-Engine -Inclusion @($Users)
        Mock Add-ADSyncConnector { $global:Engine.Saves++ }
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("missing ${Workstations}: devices never reach Entra ID; hybrid join fails with 'The device object by the given ID is not found'"))
    }

    It 'in wizard mode changes nothing and fails with the wizard choice to make when Workstations is missing' {
        $wizard = $Params.Clone(); $wizard.Mode = 'wizard'
        Set-Engine -Inclusion @($Users)
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $wizard
        $r.ExitCode | Should -Be 1
        $global:Engine.Inclusion | Should -Be @($Users)
        Should -Invoke Add-ADSyncConnector -Times 0 -Exactly
        $r.Text | Should -Match 'missing OU=Workstations'
        $r.Text | Should -Match 'Domain and OU filtering: select exactly'
    }

    It 'in wizard mode passes a scope the wizard made exact' {
        $wizard = $Params.Clone(); $wizard.Mode = 'wizard'
        Set-Engine -Inclusion @($Users, $Workstations)
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $wizard
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Add-ADSyncConnector -Times 0 -Exactly
    }

    It 'reports the users OU miss as the Azure AD user discovery failure it causes' {
        Set-Engine -Inclusion @($Workstations)
        $wizard = $Params.Clone(); $wizard.Mode = 'wizard'
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $wizard
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'not completely discovered'
    }

    # The comparison itself (once a TypeScript copy's table in test/entra-connect.test.ts, now
    # pinned on the script): wizard mode only compares, so the message lists every difference.
    # Each case spells out the whole list, up to the wizard instructions that follow it.
    It 'in wizard mode passes <Case>' -ForEach @(
        @{ Case = 'the exact scope'; Inclusion = @('OU=Workstations,DC=corp,DC=cmglab,DC=example', 'OU=LabUsers,DC=corp,DC=cmglab,DC=example'); Exclusion = @() }
        @{ Case = 'the exact scope in another order'; Inclusion = @('OU=LabUsers,DC=corp,DC=cmglab,DC=example', 'OU=Workstations,DC=corp,DC=cmglab,DC=example'); Exclusion = @() }
        @{ Case = 'the exact scope in the engine''s case and spacing'; Inclusion = @('ou=workstations, dc=corp, dc=cmglab, dc=example', 'OU = LabUsers,DC=corp,DC=cmglab,DC=example'); Exclusion = @() }
        @{ Case = 'an exclusion outside the scope'; Inclusion = @('OU=Workstations,DC=corp,DC=cmglab,DC=example', 'OU=LabUsers,DC=corp,DC=cmglab,DC=example'); Exclusion = @('OU=Servers,DC=corp,DC=cmglab,DC=example') }
    ) {
        $wizard = $Params.Clone(); $wizard.Mode = 'wizard'
        Set-Engine -Inclusion $Inclusion -Exclusion $Exclusion
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $wizard
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Contain 'Sync scope of DC=corp,DC=cmglab,DC=example is exactly OU=Workstations,DC=corp,DC=cmglab,DC=example and OU=LabUsers,DC=corp,DC=cmglab,DC=example; scheduler enabled'
        Should -Invoke Add-ADSyncConnector -Times 0 -Exactly
    }

    It 'in wizard mode fails on <Case>, naming each difference and its consequence' -ForEach @(
        @{
            Case = 'nothing in scope'; Inclusion = @(); Exclusion = @(); Expected = $null
            Says = "missing OU=Workstations,DC=corp,DC=cmglab,DC=example: devices never reach Entra ID; hybrid join fails with 'The device object by the given ID is not found'; missing OU=LabUsers,DC=corp,DC=cmglab,DC=example: the demo users never reach Entra ID; Azure AD user discovery cannot find them and CCM_STS.log says the AAD user is not completely discovered"
        }
        @{
            Case = 'the domain root instead of the OUs (the wizard''s default)'; Inclusion = @('DC=corp,DC=cmglab,DC=example'); Exclusion = @(); Expected = $null
            Says = "missing OU=Workstations,DC=corp,DC=cmglab,DC=example: devices never reach Entra ID; hybrid join fails with 'The device object by the given ID is not found'; missing OU=LabUsers,DC=corp,DC=cmglab,DC=example: the demo users never reach Entra ID; Azure AD user discovery cannot find them and CCM_STS.log says the AAD user is not completely discovered; extra DC=corp,DC=cmglab,DC=example: the whole domain is synced to the tenant (admin accounts and servers included)"
        }
        @{
            Case = 'the whole-domain root included on top of the OUs'; Inclusion = @('DC=corp,DC=cmglab,DC=example', 'OU=Workstations,DC=corp,DC=cmglab,DC=example', 'OU=LabUsers,DC=corp,DC=cmglab,DC=example'); Exclusion = @(); Expected = $null
            Says = 'extra DC=corp,DC=cmglab,DC=example: the whole domain is synced to the tenant (admin accounts and servers included)'
        }
        @{
            Case = 'an extra OU'; Inclusion = @('OU=Workstations,DC=corp,DC=cmglab,DC=example', 'OU=LabUsers,DC=corp,DC=cmglab,DC=example', 'OU=Servers,DC=corp,DC=cmglab,DC=example'); Exclusion = @(); Expected = $null
            Says = 'extra OU=Servers,DC=corp,DC=cmglab,DC=example: objects outside cmg-lab:sync.ous are synced to the tenant'
        }
        @{
            Case = 'an exclusion inside the Workstations OU'; Inclusion = @('OU=Workstations,DC=corp,DC=cmglab,DC=example', 'OU=LabUsers,DC=corp,DC=cmglab,DC=example'); Exclusion = @('OU=Kiosks,OU=Workstations,DC=corp,DC=cmglab,DC=example'); Expected = $null
            Says = "excluded OU=Kiosks,OU=Workstations,DC=corp,DC=cmglab,DC=example: devices never reach Entra ID; hybrid join fails with 'The device object by the given ID is not found'"
        }
        @{
            Case = 'an exclusion inside the users OU, spelt in the engine''s spacing'; Inclusion = @('OU=Workstations,DC=corp,DC=cmglab,DC=example', 'OU=LabUsers,DC=corp,DC=cmglab,DC=example'); Exclusion = @('OU=Temps, OU=labusers, DC=corp, DC=cmglab, DC=example'); Expected = $null
            Says = 'excluded OU=Temps, OU=labusers, DC=corp, DC=cmglab, DC=example: the demo users never reach Entra ID; Azure AD user discovery cannot find them and CCM_STS.log says the AAD user is not completely discovered'
        }
        @{
            Case = 'the Workstations OU itself excluded'; Inclusion = @('OU=Workstations,DC=corp,DC=cmglab,DC=example', 'OU=LabUsers,DC=corp,DC=cmglab,DC=example'); Exclusion = @('OU=Workstations,DC=corp,DC=cmglab,DC=example'); Expected = $null
            Says = "excluded OU=Workstations,DC=corp,DC=cmglab,DC=example: devices never reach Entra ID; hybrid join fails with 'The device object by the given ID is not found'"
        }
        @{
            Case = 'a missing OU with no special role'; Inclusion = @('OU=Workstations,DC=corp,DC=cmglab,DC=example', 'OU=LabUsers,DC=corp,DC=cmglab,DC=example'); Exclusion = @()
            Expected = 'OU=Workstations,DC=corp,DC=cmglab,DC=example;OU=LabUsers,DC=corp,DC=cmglab,DC=example;OU=Servers,DC=corp,DC=cmglab,DC=example'
            Says = 'missing OU=Servers,DC=corp,DC=cmglab,DC=example: its objects never reach Entra ID'
        }
    ) {
        $wizard = $Params.Clone(); $wizard.Mode = 'wizard'
        if ($null -ne $Expected) { $wizard.ExpectedOuDns = $Expected }
        Set-Engine -Inclusion $Inclusion -Exclusion $Exclusion
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $wizard
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("sync-scope-apply failed: Entra Connect sync scope of DC=corp,DC=cmglab,DC=example differs from cmg-lab:sync.ous: $Says. Fix: on CM01 open Azure AD Connect, Customize synchronization options, Domain and OU filtering: select exactly "))
        Should -Invoke Add-ADSyncConnector -Times 0 -Exactly
        Should -Invoke Set-ADSyncScheduler -Times 0 -Exactly
    }

    It 'in scripted mode leaves a scope alone that differs only in the engine''s case and spacing' {
        Set-Engine -Inclusion @('ou=workstations, dc=corp, dc=cmglab, dc=example', 'OU = LabUsers,DC=corp,DC=cmglab,DC=example')
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Add-ADSyncConnector -Times 0 -Exactly
        $global:Engine.Inclusion | Should -Be @('ou=workstations, dc=corp, dc=cmglab, dc=example', 'OU = LabUsers,DC=corp,DC=cmglab,DC=example')
    }

    It 'in scripted mode removes an exclusion inside an expected OU and reads the scope back' {
        Set-Engine -Inclusion @('OU=Workstations,DC=corp,DC=cmglab,DC=example', 'OU=LabUsers,DC=corp,DC=cmglab,DC=example') -Exclusion @('OU=Kiosks,OU=Workstations,DC=corp,DC=cmglab,DC=example')
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Engine.Exclusion | Should -BeNullOrEmpty
        $global:Engine.Inclusion | Should -Be @('OU=Workstations,DC=corp,DC=cmglab,DC=example', 'OU=LabUsers,DC=corp,DC=cmglab,DC=example')
        $global:Engine.Saves | Should -Be 1
    }

    It 'only turns the scheduler back on when the scope is already exact' {
        Set-Engine -Inclusion @($Workstations, $Users) -Scheduler $false
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Engine.Scheduler | Should -BeTrue
        Should -Invoke Set-ADSyncScheduler -Times 1 -Exactly
        Should -Invoke Set-ADSyncScheduler -Times 1 -Exactly -ParameterFilter { $SyncCycleEnabled -eq $true }
        Should -Invoke Add-ADSyncConnector -Times 0 -Exactly
    }

    It 'fails when the scheduler does not stay on' {
        Set-Engine -Inclusion @($Workstations, $Users) -Scheduler $false
        Mock Set-ADSyncScheduler { }
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('sync-scope-apply failed: the Entra Connect sync scheduler is still disabled'))
    }

    It 'fails with the error of Add-ADSyncConnector when the save is refused' {
        Set-Engine -Inclusion @($Users)
        Mock Add-ADSyncConnector { throw 'The operation is not allowed while a synchronization is running.' }
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('sync-scope-apply failed: The operation is not allowed while a synchronization is running.'))
        $global:Engine.Inclusion | Should -Be @($Users)
    }

    It 'fails naming the partition when the connector has no partition for the domain' {
        Set-Engine -Inclusion @($Workstations, $Users)
        $p = $Params.Clone(); $p.DomainDn = 'DC=other,DC=example'
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $p
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('sync-scope-apply failed: the connector corp.cmglab.example has no partition DC=other,DC=example'))
        Should -Invoke Add-ADSyncConnector -Times 0 -Exactly
    }

    It 'fails when no connector has the forest name (entra-connect not done)' {
        Set-Engine -Inclusion @($Workstations, $Users) -Name 'other.example'
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'no single Entra Connect connector named corp.cmglab.example \(found 0; is the entra-connect step done\?\)'
    }

    It 'receives OU names with spaces and non-ASCII letters intact' {
        $odd = "OU=Lab Users é 'x',$Domain"
        Set-Engine -Inclusion @($Workstations)
        $p = $Params.Clone(); $p.ExpectedOuDns = "$Workstations;$odd"; $p.UsersOuDn = $odd
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Engine.Inclusion | Should -Be @($Workstations, $odd)
    }

    It 'stops before any change when a mandatory parameter is missing or the mode is unknown' {
        Set-Engine -Inclusion @($Users)
        $p = $Params.Clone(); $p.Remove('WorkstationsOuDn')
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match 'WorkstationsOuDn'
        $p = $Params.Clone(); $p.Mode = 'manual'
        $r = Invoke-LabScript -Name 'sync-scope-apply.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match 'Mode'
        Should -Invoke Add-ADSyncConnector -Times 0 -Exactly
    }
}
