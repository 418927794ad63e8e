<#
.SYNOPSIS
  Runs one Entra Connect sync cycle (Start-ADSyncSyncCycle -PolicyType Initial or Delta) and
  waits, bounded, until it has finished. An Initial cycle is what a scope change needs; a Delta
  cycle pushes recent changes (computer objects of freshly joined clients) to Entra ID without
  waiting for the 30-minute schedule. Waits first for a cycle already running. Fails when the
  cycle does not finish in time, when it produced no run, or when a run stopped with an error.

  UNCONFIRMED: the members RunHistoryId, ConnectorName and Result of Get-ADSyncRunProfileResult
  objects (the cmdlet and its parameters are in Microsoft's ADSync reference; the object members
  are not). SyncCycleInProgress is shown in the scheduler documentation.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [ValidateSet('Initial', 'Delta')]
    [string] $PolicyType,

    [Parameter(Mandatory = $true)]
    [string] $ForestFqdn,

    # A whole number of minutes above 0, checked here so a malformed value names the parameter.
    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[1-9][0-9]*$')]
    [string] $WaitMinutes
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "entra-sync-cycle failed: $_" -ErrorAction Continue
    exit 1
}

#include lib/adsync.ps1

function Test-CycleInProgress {
    return ((Get-ADSyncScheduler).SyncCycleInProgress -eq $true)
}

function Get-RunIds {
    return @(Get-ADSyncRunProfileResult -NumberRequested 100 | ForEach-Object { [string] $_.RunHistoryId })
}

function Wait-CycleIdle {
    param(
        [datetime] $Deadline,
        [string] $What
    )
    while (Test-CycleInProgress) {
        if ((Get-Date) -gt $Deadline) { throw "the Entra Connect sync cycle ($What) is still running after $WaitMinutes minutes" }
        Start-Sleep -Seconds 15
    }
}

Import-ADSyncModule
$deadline = (Get-Date).AddMinutes([int] $WaitMinutes)
Wait-CycleIdle -Deadline $deadline -What 'one already running'
$before = Get-RunIds

if (-not (Test-CycleInProgress)) {
    Write-Output "Starting an Entra Connect $PolicyType sync cycle"
    Start-ADSyncSyncCycle -PolicyType $PolicyType | Out-Null
}
# The scheduler reports the cycle as running a moment after it was accepted.
Start-Sleep -Seconds 20
Wait-CycleIdle -Deadline $deadline -What $PolicyType

function Test-CycleSucceeded {
    $new = @(Get-ADSyncRunProfileResult -NumberRequested 100 | Where-Object { $before -notcontains [string] $_.RunHistoryId })
    $ad = @($new | Where-Object { $_.ConnectorName -eq $ForestFqdn })
    $stopped = @($new | Where-Object { [string] $_.Result -like 'stopped-*' })
    return ($ad.Count -gt 0) -and ($stopped.Count -eq 0)
}

if (-not (Test-CycleSucceeded)) {
    $new = @(Get-ADSyncRunProfileResult -NumberRequested 100 | Where-Object { $before -notcontains [string] $_.RunHistoryId })
    $summary = ($new | ForEach-Object { "$($_.ConnectorName) $($_.RunProfileName): $($_.Result)" }) -join '; '
    throw "the $PolicyType sync cycle did not complete cleanly for $ForestFqdn (runs: $summary)"
}
Write-Output "Entra Connect $PolicyType sync cycle completed"
exit 0
