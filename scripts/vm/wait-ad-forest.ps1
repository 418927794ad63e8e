<#
.SYNOPSIS
  Waits, bounded, until this domain controller is back from the promotion reboot and AD
  answers: it is a DC of the domain, AD Web Services runs, Get-ADDomain works and the domain's
  DC locator SRV record resolves through its own DNS. Changes nothing; fails with what it saw.
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
    Write-Error -Message "wait-ad-forest failed: $_" -ErrorAction Continue
    exit 1
}

if ($WaitMinutes -notmatch '^[1-9][0-9]*$') { throw "WaitMinutes must be a whole number of minutes above 0, got '$WaitMinutes'" }

function Get-AdState {
    param(
        [string] $Fqdn
    )
    $state = [ordered]@{ DomainRole = -1; Domain = ''; Adws = 'missing'; AdDomain = 'no'; SrvRecord = 'no' }
    $cs = Get-CimInstance -ClassName Win32_ComputerSystem
    $state.DomainRole = $cs.DomainRole
    $state.Domain = $cs.Domain
    $adws = Get-Service -Name 'ADWS' -ErrorAction SilentlyContinue
    if ($null -ne $adws) { $state.Adws = [string] $adws.Status }
    try {
        $domain = Get-ADDomain -Server 'localhost'
        if ($domain.DNSRoot -eq $Fqdn) { $state.AdDomain = 'yes' } else { $state.AdDomain = "other: $($domain.DNSRoot)" }
    } catch {
        $state.AdDomain = 'no answer'
    }
    try {
        $srv = Resolve-DnsName -Name "_ldap._tcp.dc._msdcs.$Fqdn" -Type SRV -Server '127.0.0.1' -DnsOnly
        if (@($srv | Where-Object { $_.Type -eq 'SRV' }).Count -gt 0) { $state.SrvRecord = 'yes' }
    } catch {
        $state.SrvRecord = 'no answer'
    }
    return $state
}

function Test-AdReady {
    param(
        [string] $Fqdn
    )
    $s = Get-AdState -Fqdn $Fqdn
    return (($s.DomainRole -ge 4) -and ($s.Domain -eq $Fqdn) -and ($s.Adws -eq 'Running') -and ($s.AdDomain -eq 'yes') -and ($s.SrvRecord -eq 'yes'))
}

Import-Module ActiveDirectory -ErrorAction SilentlyContinue
$deadline = (Get-Date).AddMinutes([int] $WaitMinutes)
while (-not (Test-AdReady -Fqdn $DomainFqdn)) {
    if ((Get-Date) -gt $deadline) {
        $s = Get-AdState -Fqdn $DomainFqdn
        $seen = ($s.Keys | ForEach-Object { "$_=$($s[$_])" }) -join ', '
        throw "AD for $DomainFqdn does not answer after $WaitMinutes minutes ($seen); is the promotion (ad-forest-promote) done?"
    }
    Start-Sleep -Seconds 15
    # The module cannot load before the reboot that makes this machine a DC; retry each round.
    Import-Module ActiveDirectory -ErrorAction SilentlyContinue
}

if (-not (Test-AdReady -Fqdn $DomainFqdn)) { throw "AD for $DomainFqdn is not ready" }
Write-Output "AD answers for $DomainFqdn"
exit 0
