<#
.SYNOPSIS
  Waits, bounded, until this domain-joined computer is hybrid joined to the expected tenant
  (dsregcmd /status: AzureAdJoined YES, DomainJoined YES, TenantId = the tenant's id). Until
  then it starts the Automatic-Device-Join task every few minutes instead of waiting for its
  hourly retry: the first run writes the device's certificate to its AD computer object, and a
  run after Entra Connect has synced that object completes the join. On timeout it fails with
  the state seen and the runbook step most likely missed.
  dsregcmd fields: https://learn.microsoft.com/entra/identity/devices/troubleshoot-device-dsregcmd
  Error codes: https://learn.microsoft.com/entra/identity/devices/troubleshoot-hybrid-join-windows-current
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')]
    [string] $TenantId,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[1-9][0-9]{0,3}$')]
    [string] $WaitMinutes,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[1-9][0-9]{0,3}$')]
    [string] $RetriggerMinutes
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "wait-hybrid-join failed: $_" -ErrorAction Continue
    exit 1
}

$taskPath = '\Microsoft\Windows\Workplace Join\'
$taskName = 'Automatic-Device-Join'

#include lib/dsreg.ps1

function Test-HybridJoined {
    $f = Get-DsregFields
    return ((Get-Field -Fields $f -Name 'AzureAdJoined') -eq 'YES') -and ((Get-Field -Fields $f -Name 'DomainJoined') -eq 'YES') -and ((Get-Field -Fields $f -Name 'TenantId') -eq $TenantId)
}

function Test-JoinTaskPresent {
    $task = Get-ScheduledTask -TaskPath $taskPath -TaskName $taskName -ErrorAction SilentlyContinue
    return ($null -ne $task)
}

if (Test-HybridJoined) {
    Write-Output "Already hybrid joined to $TenantId"
    exit 0
}
if (-not (Test-JoinTaskPresent)) { throw "the scheduled task $taskPath$taskName is missing; this Windows cannot hybrid join on its own" }

$deadline = (Get-Date).AddMinutes([int] $WaitMinutes)
$nextTrigger = Get-Date
while (-not (Test-HybridJoined)) {
    if ((Get-Date) -gt $deadline) {
        $f = Get-DsregFields
        $seen = @('AzureAdJoined', 'DomainJoined', 'DeviceId', 'TenantId', 'Error Phase', 'Client ErrorCode', 'Server ErrorCode', 'Server Message', 'AD Configuration Test', 'DRS Discovery Test', 'DRS Connectivity Test' |
                Where-Object { $f.ContainsKey($_) } | ForEach-Object { "$_=$($f[$_])" }) -join ', '
        throw "not hybrid joined after $WaitMinutes minutes ($seen). Likely: $((Get-DsregMissedStep -Fields $f -TenantId $TenantId).Hint)"
    }
    if ((Get-Date) -ge $nextTrigger) {
        Write-Output "Starting $taskName"
        Start-ScheduledTask -TaskPath $taskPath -TaskName $taskName
        $nextTrigger = (Get-Date).AddMinutes([int] $RetriggerMinutes)
    }
    Start-Sleep -Seconds 30
}

if (-not (Test-HybridJoined)) { throw "not hybrid joined to $TenantId" }
$final = Get-DsregFields
Write-Output "Hybrid joined: DeviceId=$(Get-Field -Fields $final -Name 'DeviceId'), TenantId=$(Get-Field -Fields $final -Name 'TenantId')"
exit 0
