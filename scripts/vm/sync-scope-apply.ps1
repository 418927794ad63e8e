<#
.SYNOPSIS
  Makes the Entra Connect sync scope (OU filtering) exactly the lab's OUs and reads it back.
  The AD connector's partition for the domain must include exactly the expected OUs (the domain
  root not included) and exclude nothing inside them. Mode 'scripted' writes the scope when it
  differs; mode 'wizard' only compares and fails with the wizard choice to make. Either way the
  scope is read back and a difference fails the step, naming each OU and its consequence.
  Then the sync scheduler is enabled (the wizard leaves it off when the first sync is unticked).
  While the scope is written the scheduler is off (if it was on); every way out of the write
  (success or a throwing cmdlet) turns it back on and reads it back. If the write
  fails and the scheduler was already off before this run, it is left off and the error says so;
  a failure names the write's error first, then the scheduler's state.

  UNCONFIRMED: the write goes through the connector object (Get-ADSyncConnector, edit
  Partitions[].ConnectorPartitionScope, Add-ADSyncConnector -Connector). Both cmdlets appear in
  Microsoft Entra docs examples; the partition-scope members are community-documented, not in
  Microsoft's reference. The comparison and its messages are tested in
  scripts/vm/tests/sync-scope-apply.Tests.ps1.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [ValidateSet('scripted', 'wizard')]
    [string] $Mode,

    [Parameter(Mandatory = $true)]
    [string] $ForestFqdn,

    [Parameter(Mandatory = $true)]
    [string] $DomainDn,

    [Parameter(Mandatory = $true)]
    [string] $ExpectedOuDns,

    [Parameter(Mandatory = $true)]
    [string] $WorkstationsOuDn,

    [Parameter(Mandatory = $true)]
    [string] $UsersOuDn
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "sync-scope-apply failed: $_" -ErrorAction Continue
    exit 1
}

$expected = @($ExpectedOuDns -split ';' | Where-Object { $_ -ne '' })

#include lib/adsync.ps1

function ConvertTo-NormalDn {
    param(
        [string] $Dn
    )
    return ((($Dn -split ',') | ForEach-Object { ($_.Trim() -replace '\s*=\s*', '=') }) -join ',').ToLowerInvariant()
}

function Test-AtOrUnder {
    param(
        [string] $Dn,
        [string] $Container
    )
    $d = ConvertTo-NormalDn -Dn $Dn
    $c = ConvertTo-NormalDn -Dn $Container
    return ($d -eq $c) -or $d.EndsWith(",$c")
}

function Get-ScopeConnector {
    # Matched here, ignoring case like the other scripts: -Name may compare case-sensitively, and
    # the connector carries the forest name as typed in the wizard.
    $connectors = @(Get-ADSyncConnector | Where-Object { $_.Name -eq $ForestFqdn })
    if ($connectors.Count -ne 1) { throw "no single Entra Connect connector named $ForestFqdn (found $($connectors.Count); is the entra-connect step done?)" }
    return $connectors[0]
}

function Get-ScopePartition {
    param(
        $Connector
    )
    $partition = @($Connector.Partitions | Where-Object { (ConvertTo-NormalDn -Dn $_.DN) -eq (ConvertTo-NormalDn -Dn $DomainDn) })
    if ($partition.Count -ne 1) { throw "the connector $ForestFqdn has no partition $DomainDn" }
    return $partition[0]
}

function Get-MissingConsequence {
    param(
        [string] $Dn
    )
    if ((ConvertTo-NormalDn -Dn $Dn) -eq (ConvertTo-NormalDn -Dn $WorkstationsOuDn)) { return "devices never reach Entra ID; hybrid join fails with 'The device object by the given ID is not found'" }
    if ((ConvertTo-NormalDn -Dn $Dn) -eq (ConvertTo-NormalDn -Dn $UsersOuDn)) { return 'the demo users never reach Entra ID; Azure AD user discovery cannot find them and CCM_STS.log says the AAD user is not completely discovered' }
    return 'its objects never reach Entra ID'
}

function Get-ScopeDifference {
    Import-ADSyncModule
    $partition = Get-ScopePartition -Connector (Get-ScopeConnector)
    $inclusion = @($partition.ConnectorPartitionScope.ContainerInclusionList)
    $exclusion = @($partition.ConnectorPartitionScope.ContainerExclusionList)
    $problems = @()
    foreach ($dn in $expected) {
        if (-not ($inclusion | Where-Object { (ConvertTo-NormalDn -Dn $_) -eq (ConvertTo-NormalDn -Dn $dn) })) {
            $problems += "missing ${dn}: $(Get-MissingConsequence -Dn $dn)"
        }
    }
    foreach ($dn in $inclusion) {
        if (-not ($expected | Where-Object { (ConvertTo-NormalDn -Dn $_) -eq (ConvertTo-NormalDn -Dn $dn) })) {
            if ((ConvertTo-NormalDn -Dn $dn) -eq (ConvertTo-NormalDn -Dn $DomainDn)) {
                $problems += "extra ${dn}: the whole domain is synced to the tenant (admin accounts and servers included)"
            } else {
                $problems += "extra ${dn}: objects outside cmg-lab:sync.ous are synced to the tenant"
            }
        }
    }
    foreach ($dn in $exclusion) {
        $inside = @($expected | Where-Object { Test-AtOrUnder -Dn $dn -Container $_ })
        if ($inside.Count -gt 0) { $problems += "excluded ${dn}: $(Get-MissingConsequence -Dn $inside[0])" }
    }
    return $problems
}

function Test-ScopeExact {
    return (@(Get-ScopeDifference).Count -eq 0)
}

function Test-SchedulerEnabled {
    return ((Get-ADSyncScheduler).SyncCycleEnabled -eq $true)
}

function Restore-Scheduler {
    # Turns the scheduler on and reads it back; returns '' when it is on, else what went wrong.
    try {
        Set-ADSyncScheduler -SyncCycleEnabled $true
        if (Test-SchedulerEnabled) { return '' }
        return 'it reads back disabled'
    } catch {
        return "$($_.Exception.Message)"
    }
}

function Get-ScopeMessage {
    return "Entra Connect sync scope of $DomainDn differs from cmg-lab:sync.ous: $((Get-ScopeDifference) -join '; ')"
}

if (-not (Test-ScopeExact)) {
    if ($Mode -eq 'wizard') {
        throw "$(Get-ScopeMessage). Fix: on $env:COMPUTERNAME open Azure AD Connect, Customize synchronization options, Domain and OU filtering: select exactly $($expected -join ' and '), clear everything else, finish the wizard, then run pulumi up again"
    }
    Write-Output "Setting the sync scope of $DomainDn to $($expected -join ' and ')"
    # No cycle may run against a half-written connector: the scheduler goes off for the change and
    # comes back on however the change ends, but only if it was on before (this run turned it off).
    $schedulerWasOn = Test-SchedulerEnabled
    $changeError = $null
    $restoreProblem = ''
    try {
        if ($schedulerWasOn) { Set-ADSyncScheduler -SyncCycleEnabled $false }
        $connector = Get-ScopeConnector
        $scope = (Get-ScopePartition -Connector $connector).ConnectorPartitionScope
        $scope.ContainerInclusionList.Clear()
        foreach ($dn in $expected) { [void] $scope.ContainerInclusionList.Add($dn) }
        $scope.ContainerExclusionList.Clear()
        Add-ADSyncConnector -Connector $connector | Out-Null
    } catch {
        $changeError = $_
    } finally {
        # Must not throw: an error here would replace the change's error.
        if ($schedulerWasOn) { $restoreProblem = Restore-Scheduler }
    }
    if ($null -ne $changeError) {
        $note = 'turned back on, read back enabled'
        if (-not $schedulerWasOn) {
            $note = 'already off before this run, left off'
        } elseif ($restoreProblem) {
            $note = "still OFF, turning it back on failed: $restoreProblem; on $env:COMPUTERNAME run Set-ADSyncScheduler -SyncCycleEnabled `$true"
        }
        throw "$($changeError.Exception.Message) (sync scheduler: $note)"
    }
}

if (-not (Test-SchedulerEnabled)) {
    Set-ADSyncScheduler -SyncCycleEnabled $true
}

# Read back: the connector as the sync engine now holds it.
if (-not (Test-ScopeExact)) {
    throw (Get-ScopeMessage)
}
if (-not (Test-SchedulerEnabled)) {
    throw 'the Entra Connect sync scheduler is still disabled'
}
Write-Output "Sync scope of $DomainDn is exactly $($expected -join ' and '); scheduler enabled"
exit 0
