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

# Checked before anything changes: Set-DnsServerForwarder would take a short form such as '1'.
$parsed = $null
if (-not ([System.Net.IPAddress]::TryParse($ForwarderAddress, [ref] $parsed) -and ($parsed.AddressFamily -eq 'InterNetwork') -and ($parsed.ToString() -eq $ForwarderAddress))) {
    throw "ForwarderAddress must be an IPv4 address such as 168.63.129.16, got '$ForwarderAddress'"
}

function Get-ForwarderList {
    # A server without forwarders has no addresses: nothing, not one empty entry.
    $current = Get-DnsServerForwarder
    return @(@($current.IPAddress) | Where-Object { $null -ne $_ } | ForEach-Object { $_.IPAddressToString })
}

function Test-Forwarder {
    param(
        [string] $Address
    )
    $list = @(Get-ForwarderList)
    return (($list.Count -eq 1) -and ($list[0] -eq $Address))
}

function Get-ForwarderText {
    $list = @(Get-ForwarderList)
    if ($list.Count -eq 0) { return '(none)' }
    return ($list -join ', ')
}

if (-not (Test-Forwarder -Address $ForwarderAddress)) {
    Write-Output "Setting the DNS forwarder to $ForwarderAddress"
    Set-DnsServerForwarder -IPAddress $ForwarderAddress
}

if (-not (Test-Forwarder -Address $ForwarderAddress)) {
    throw "the DNS forwarders are $(Get-ForwarderText), not $ForwarderAddress"
}
Write-Output "DNS forwards to $ForwarderAddress"
exit 0
