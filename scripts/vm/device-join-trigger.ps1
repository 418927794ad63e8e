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

function Test-DeviceCertificateInAd {
    # The computer account (SYSTEM) reads its own object; userCertificate holds the device key.
    $searcher = New-Object System.DirectoryServices.DirectorySearcher
    $searcher.Filter = "(&(objectCategory=computer)(sAMAccountName=$($env:COMPUTERNAME)`$))"
    [void] $searcher.PropertiesToLoad.Add('userCertificate')
    $found = $searcher.FindOne()
    return ($null -ne $found) -and ($found.Properties['usercertificate'].Count -gt 0)
}

if (Test-AzureAdJoined) {
    Write-Output 'Already Entra (hybrid) joined'
    exit 0
}

$deadline = (Get-Date).AddMinutes([int] $WaitMinutes)
while (-not (Test-DeviceCertificateInAd)) {
    if ((Get-Date) -gt $deadline) {
        throw "the computer object has no device certificate after $WaitMinutes minutes: the $taskName task did not register the device (check the hybrid-join SCP, step hybrid-join-scp, and dsregcmd /status)"
    }
    Write-Output "Starting $taskName"
    Start-ScheduledTask -TaskPath $taskPath -TaskName $taskName
    Start-Sleep -Seconds 60
}

if (-not (Test-DeviceCertificateInAd)) { throw 'the computer object has no device certificate' }
Write-Output 'The device certificate is on the computer object: the next sync carries the device to Entra ID'
exit 0
