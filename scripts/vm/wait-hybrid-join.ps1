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
    [string] $TenantId,

    [Parameter(Mandatory = $true)]
    [string] $WaitMinutes,

    [Parameter(Mandatory = $true)]
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

function Get-MissedStepHint {
    param(
        [hashtable] $Fields
    )
    # Same rules, in the same order, as dsregVerdict in stacks/ad.ts.
    $diag = @('Client ErrorCode', 'Server ErrorCode', 'Server Message', 'Error Phase' | ForEach-Object { Get-Field -Fields $Fields -Name $_ }) -join ' '
    if ((Get-Field -Fields $Fields -Name 'DomainJoined') -ne 'YES') { return 'the computer is not domain joined (step clients: domain join into the Workstations OU)' }
    if (((Get-Field -Fields $Fields -Name 'AzureAdJoined') -eq 'YES') -and ((Get-Field -Fields $Fields -Name 'TenantId') -ne $TenantId)) {
        return "joined to another tenant than $($TenantId): the SCP's azureADId is wrong (step hybrid-join-scp)"
    }
    if (((Get-Field -Fields $Fields -Name 'AD Configuration Test') -like 'FAIL*') -or ($diag -match '0x801c001d')) { return 'the device cannot read the Service Connection Point (step hybrid-join-scp)' }
    if ($diag -match 'AADSTS90002|0x801c003a') { return 'the tenant named in the SCP is not found: azureADId is wrong (step hybrid-join-scp)' }
    if ($diag -match "device object by the given id\b.{0,80}?(is not|isn't|not) found|0x801c03f2|DirectoryError") {
        return 'the device object is not in Entra ID: the Workstations OU is not in the sync scope or no delta sync has run since the device wrote its certificate (step sync-scope)'
    }
    if (((Get-Field -Fields $Fields -Name 'DRS Discovery Test') -like 'FAIL*') -or ((Get-Field -Fields $Fields -Name 'DRS Connectivity Test') -like 'FAIL*') -or ($diag -match '0x801c0021|0x801c001f|0x801c003d')) {
        return 'the device cannot reach the device registration service: outbound HTTPS to enterpriseregistration.windows.net and login.microsoftonline.com (step network)'
    }
    return 'no join error recorded yet: the Automatic-Device-Join task has not completed, or the computer object has not been synced (step sync-scope)'
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
        $seen = @('AzureAdJoined', 'DomainJoined', 'DeviceId', 'TenantId', 'Error Phase', 'Client ErrorCode', 'Server ErrorCode', 'Server Message', 'AD Configuration Test', 'DRS Discovery Test' |
                Where-Object { $f.ContainsKey($_) } | ForEach-Object { "$_=$($f[$_])" }) -join ', '
        throw "not hybrid joined after $WaitMinutes minutes ($seen). Likely: $(Get-MissedStepHint -Fields $f)"
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
