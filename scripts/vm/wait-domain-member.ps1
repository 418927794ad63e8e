<#
.SYNOPSIS
  Waits, bounded, until this computer is back from the domain-join reboot and has a working
  secure channel to the domain. Changes nothing; fails with what it saw when the time is up.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $DomainFqdn,

    [Parameter(Mandatory = $true)]
    [string] $WaitMinutes
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "wait-domain-member failed: $_" -ErrorAction Continue
    exit 1
}

if ($WaitMinutes -notmatch '^[1-9][0-9]*$') { throw "WaitMinutes must be a whole number of minutes above 0, got '$WaitMinutes'" }

#include lib/join-reboot.ps1

function Test-SecureChannel {
    try {
        return [bool] (Test-ComputerSecureChannel)
    } catch {
        return $false
    }
}

function Test-DomainMemberReady {
    param(
        [string] $Fqdn
    )
    # Before the reboot that completes the join this script may already run (domain-join.ps1
    # restarts the machine seconds after it exits): not ready until that reboot has happened, so
    # the next step is never cut by it.
    if (Test-JoinPendingReboot) { return $false }
    $cs = Get-CimInstance -ClassName Win32_ComputerSystem
    if (-not ($cs.PartOfDomain -and ($cs.Domain -eq $Fqdn))) { return $false }
    return (Test-SecureChannel)
}

$deadline = (Get-Date).AddMinutes([int] $WaitMinutes)
while (-not (Test-DomainMemberReady -Fqdn $DomainFqdn)) {
    if ((Get-Date) -gt $deadline) {
        $cs = Get-CimInstance -ClassName Win32_ComputerSystem
        $seen = "PartOfDomain=$($cs.PartOfDomain), Domain=$($cs.Domain), JoinPendingReboot=$(Test-JoinPendingReboot), SecureChannel=$(Test-SecureChannel)"
        throw "not a working member of $DomainFqdn after $WaitMinutes minutes ($seen); did the domain-join step run and its restart happen?"
    }
    Start-Sleep -Seconds 15
}

if (-not (Test-DomainMemberReady -Fqdn $DomainFqdn)) { throw "not a member of $DomainFqdn" }
Write-Output "Member of $DomainFqdn with a working secure channel"
exit 0
