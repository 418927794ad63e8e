<#
.SYNOPSIS
  Creates or corrects the hybrid-join Service Connection Point in the forest's configuration
  partition: CN=<ScpName>,CN=Device Registration Configuration,<ServicesDn>, class
  serviceConnectionPoint, keywords azureADName:<tenant domain> and azureADId:<tenant id>. The
  container is created when missing. Reads the keywords back and fails if they differ.
  Written directly into AD (the AdSyncPrep route depends on the retired MSOnline module).
  SCP: https://learn.microsoft.com/entra/identity/devices/how-to-hybrid-join
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $ServicesDn,

    [Parameter(Mandatory = $true)]
    [string] $ScpName,

    [Parameter(Mandatory = $true)]
    [string] $AzureAdName,

    [Parameter(Mandatory = $true)]
    [string] $AzureAdId
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "hybrid-join-scp failed: $_" -ErrorAction Continue
    exit 1
}

# Checked before anything changes: an SCP naming a malformed tenant is written without complaint
# and every device then fails its hybrid join.
if ($AzureAdId -notmatch '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$') {
    throw "AzureAdId must be the tenant id (a GUID), got '$AzureAdId'"
}
if ($AzureAdName -notmatch '^[^\s:;,]+\.[^\s:;,]+$') {
    throw "AzureAdName must be the tenant's domain name (its initial *.onmicrosoft.com or a verified domain), got '$AzureAdName'"
}

Import-Module ActiveDirectory

$containerName = 'Device Registration Configuration'
$containerDn = "CN=$containerName,$ServicesDn"
$scpDn = "CN=$ScpName,$containerDn"
$wanted = @("azureADName:$AzureAdName", "azureADId:$AzureAdId")

function Get-DirectoryObject {
    param(
        [string] $Parent,
        [string] $Name
    )
    return Get-ADObject -LDAPFilter "(cn=$Name)" -SearchBase $Parent -SearchScope OneLevel -Properties 'keywords', 'objectClass'
}

function Test-Container {
    return ($null -ne (Get-DirectoryObject -Parent $ServicesDn -Name $containerName))
}

function Get-ScpKeywords {
    $scp = Get-DirectoryObject -Parent $containerDn -Name $ScpName
    if ($null -eq $scp) { return $null }
    return @($scp.keywords | Sort-Object)
}

function Test-Scp {
    if (-not (Test-Container)) { return $false }
    $scp = Get-DirectoryObject -Parent $containerDn -Name $ScpName
    return ($null -ne $scp) -and ($scp.ObjectClass -eq 'serviceConnectionPoint')
}

function Test-ScpKeywords {
    if (-not (Test-Scp)) { return $false }
    # A plain comparison of the sorted lists: how Windows PowerShell 5.1's Compare-Object treats an
    # empty list (an SCP without keywords) is UNCONFIRMED here, and it must count as a difference.
    $have = @(Get-ScpKeywords)
    return ((@($wanted | Sort-Object) -join "`n") -eq ($have -join "`n"))
}

if (Test-ScpKeywords) {
    Write-Output "The SCP already names $AzureAdName ($AzureAdId)"
    exit 0
}

if (-not (Test-Container)) {
    Write-Output "Creating $containerDn"
    New-ADObject -Name $containerName -Type 'container' -Path $ServicesDn
}
if (-not (Test-Container)) { throw "$containerDn does not exist after New-ADObject; is $ServicesDn the forest's Services container?" }

if (-not (Test-Scp)) {
    $other = Get-DirectoryObject -Parent $containerDn -Name $ScpName
    if ($null -ne $other) { throw "$scpDn exists but is a $($other.ObjectClass), not a serviceConnectionPoint; delete it and rerun" }
    Write-Output "Creating the SCP $scpDn"
    New-ADObject -Name $ScpName -Type 'serviceConnectionPoint' -Path $containerDn -OtherAttributes @{ keywords = $wanted }
} elseif (-not (Test-ScpKeywords)) {
    Write-Output "Correcting the SCP keywords (were: $((Get-ScpKeywords) -join '; '))"
    Set-ADObject -Identity $scpDn -Replace @{ keywords = $wanted }
}

if (-not (Test-Scp)) { throw "$scpDn does not exist as a serviceConnectionPoint after New-ADObject" }
if (-not (Test-ScpKeywords)) {
    throw "the SCP keywords are '$((Get-ScpKeywords) -join '; ')' after the write, not '$($wanted -join '; ')'"
}
Write-Output "SCP $scpDn names $AzureAdName ($AzureAdId)"
exit 0
