<#
.SYNOPSIS
  Makes the DC's DNS server forward every name it is not authoritative for to the given server
  (Azure DNS, 168.63.129.16), so the VMs that use the DC as their DNS server resolve internet
  names (Entra ID, the CMG, downloads). Idempotent; reads the forwarders back.
  Set-DnsServerForwarder: https://learn.microsoft.com/powershell/module/dnsserver/set-dnsserverforwarder
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $ForwarderAddress
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "ad-dns-forwarder failed: $_" -ErrorAction Continue
    exit 1
}

function Get-ForwarderList {
    $current = Get-DnsServerForwarder
    return @($current.IPAddress | ForEach-Object { $_.IPAddressToString })
}

function Test-Forwarder {
    param(
        [string] $Address
    )
    $list = Get-ForwarderList
    return (($list.Count -eq 1) -and ($list[0] -eq $Address))
}

if (-not (Test-Forwarder -Address $ForwarderAddress)) {
    Write-Output "Setting the DNS forwarder to $ForwarderAddress"
    Set-DnsServerForwarder -IPAddress $ForwarderAddress
}

if (-not (Test-Forwarder -Address $ForwarderAddress)) {
    throw "the DNS forwarders are $((Get-ForwarderList) -join ', '), not $ForwarderAddress"
}
Write-Output "DNS forwards to $ForwarderAddress"
exit 0
