<#
.SYNOPSIS
  Makes this domain-joined client write its device certificate to its computer object in AD
  (the Automatic-Device-Join task does it), so that the delta sync that follows carries the
  device to Entra ID. Without it the first sync can run before the certificate exists, and the
  hybrid join then waits for Entra Connect's next 30-minute cycle. Idempotent: a device already
  Entra joined, or whose certificate is already in AD, is left alone.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[1-9][0-9]{0,3}$')]
    [string] $WaitMinutes
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "device-join-trigger failed: $_" -ErrorAction Continue
    exit 1
}

$taskPath = '\Microsoft\Windows\Workplace Join\'
$taskName = 'Automatic-Device-Join'

#include lib/dsreg.ps1

function Test-AzureAdJoined {
    return ((Get-Field -Fields (Get-DsregFields) -Name 'AzureAdJoined') -eq 'YES')
}

function Get-OwnComputerCertificateCount {
    param(
        [string] $SamAccountName
    )
    # Only the LDAP read (the computer account, SYSTEM, reads its own object): how many
    # userCertificate values it holds (the device key lands there), -1 when there is no object.
    $searcher = New-Object System.DirectoryServices.DirectorySearcher
    $searcher.Filter = "(&(objectCategory=computer)(sAMAccountName=$SamAccountName))"
    [void] $searcher.PropertiesToLoad.Add('userCertificate')
    $found = $searcher.FindOne()
    if ($null -eq $found) { return -1 }
    return [int] $found.Properties['usercertificate'].Count
}

function Test-DeviceCertificateInAd {
    $sam = "$($env:COMPUTERNAME)`$"
    $count = Get-OwnComputerCertificateCount -SamAccountName $sam
    if ($count -lt 0) { throw "no computer object $sam in AD: this computer is not joined to the lab's domain (step clients)" }
    return ($count -gt 0)
}

function Get-JoinFailureHint {
    # A rule that names a step before the certificate is written (SCP, network, domain join)
    # explains a missing certificate; the others come after it and do not.
    $verdict = Get-DsregMissedStep -Fields (Get-DsregFields) -TenantId ''
    if ($verdict.Step -ne 'sync-scope') { return "Likely: $($verdict.Hint)" }
    return "the $taskName task did not register the device (check the hybrid-join SCP, step hybrid-join-scp, and dsregcmd /status)"
}

if (Test-AzureAdJoined) {
    Write-Output 'Already Entra (hybrid) joined'
    exit 0
}

$deadline = (Get-Date).AddMinutes([int] $WaitMinutes)
while (-not (Test-DeviceCertificateInAd)) {
    if ((Get-Date) -gt $deadline) {
        throw "the computer object has no device certificate after $WaitMinutes minutes: $(Get-JoinFailureHint)"
    }
    Write-Output "Starting $taskName"
    Start-ScheduledTask -TaskPath $taskPath -TaskName $taskName
    Start-Sleep -Seconds 60
}

if (-not (Test-DeviceCertificateInAd)) { throw 'the computer object has no device certificate' }
Write-Output 'The device certificate is on the computer object: the next sync carries the device to Entra ID'
exit 0
