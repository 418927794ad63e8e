<#
.SYNOPSIS
  Active Directory discovery for the site: AD User Discovery on the users OU (the step the
  reference lab forgot: without it an Entra user is "not completely discovered" and the CMG token
  request fails) and AD System Discovery on the Workstations and Servers OUs, each enabled with a
  5-minute delta and run now; then waits, bounded, until at least one user of the users OU is a
  ConfigMgr user record with its AD SID. Runs as a ConfigMgr Full Administrator. Idempotent.
  Sources: https://learn.microsoft.com/powershell/module/configurationmanager/set-cmdiscoverymethod
  https://learn.microsoft.com/powershell/module/configurationmanager/invoke-cmuserdiscovery
  https://learn.microsoft.com/mem/configmgr/core/servers/deploy/configure/configure-discovery-methods
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $SiteCode,

    [Parameter(Mandatory = $true)]
    [string] $SiteServerFqdn,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^LDAP://.+')]
    [string] $UsersOuLdap,

    [Parameter(Mandatory = $true)]
    [string] $SystemOusLdap,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[0-9]+$')]
    [string] $WaitMinutes
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "site-discovery failed: $_" -ErrorAction Continue
    exit 1
}

#include lib/configmgr-site.ps1

function Test-DiscoveryOn {
    param(
        [string] $Code,
        [string] $Method,
        [string[]] $Containers
    )
    # The discovery component's SETTINGS property is ACTIVE when enabled, and its 'AD Containers'
    # property list holds the LDAP paths (UNCONFIRMED names: the site control file's, as read by
    # lab builders; the cmdlets themselves are documented).
    $component = Get-CMDiscoveryMethod -Name $Method -SiteCode $Code
    if ($null -eq $component) { return $false }
    $settings = @($component.Props | Where-Object { $_.PropertyName -eq 'SETTINGS' }) | Select-Object -First 1
    if (($null -eq $settings) -or ($settings.Value1 -ne 'ACTIVE')) { return $false }
    $list = @($component.PropLists | Where-Object { $_.PropertyListName -eq 'AD Containers' }) | Select-Object -First 1
    if ($null -eq $list) { return $false }
    foreach ($c in $Containers) {
        if (-not (@($list.Values) -contains $c)) { return $false }
    }
    return $true
}

function Test-UserDiscovered {
    param(
        [string] $Code,
        [string] $OuDn
    )
    $users = @(Get-CimInstance -Namespace "root\SMS\site_$Code" -ClassName 'SMS_R_User' |
            Where-Object { $_.SID -and $_.DistinguishedName -and $_.DistinguishedName.EndsWith(",$OuDn", [System.StringComparison]::OrdinalIgnoreCase) })
    return ($users.Count -gt 0)
}

function Get-DiscoveryProblem {
    param(
        [string] $Code,
        [string] $UsersContainer,
        [string[]] $SystemContainers
    )
    # What a failed read-back means for the lab, per discovery method.
    $problems = @()
    if (-not (Test-DiscoveryOn -Code $Code -Method 'ActiveDirectoryUserDiscovery' -Containers @($UsersContainer))) {
        $problems += "Active Directory User Discovery does not read back on for $($UsersContainer): without it an Entra user `"is not completely discovered`" (CCM_STS.log) and the CMG token request fails (CMGConnector_Un-authorizedrequest); see adusrdis.log and the site's component status"
    }
    if (-not (Test-DiscoveryOn -Code $Code -Method 'ActiveDirectorySystemDiscovery' -Containers $SystemContainers)) {
        $problems += "Active Directory System Discovery does not read back on for $($SystemContainers -join ', '): the lab's computers get no discovery record; see adsysdis.log"
    }
    return ($problems -join '; ')
}

$systemOus = @($SystemOusLdap -split ';' | ForEach-Object { $_.Trim() } | Where-Object { $_ })
if ($systemOus.Count -eq 0) { throw "SystemOusLdap holds no container: pass LDAP://OU=... paths separated by ';' (got '$SystemOusLdap')" }
foreach ($ou in $systemOus) {
    if ($ou -notmatch '^LDAP://.+') { throw "SystemOusLdap: '$ou' is not an LDAP://OU=... path" }
}
$usersOuDn = $UsersOuLdap -replace '^LDAP://', ''
$minutes = [int] $WaitMinutes

Connect-CMSite -Code $SiteCode -Provider $SiteServerFqdn

# The reference lab's first miss: AD user discovery off. Read each setting back at once, so a
# setting that did not stick fails here, naming its consequence, not after the wait for users.
if (-not (Test-DiscoveryOn -Code $SiteCode -Method 'ActiveDirectoryUserDiscovery' -Containers @($UsersOuLdap))) {
    Write-Output "Enabling Active Directory User Discovery on $UsersOuLdap"
    Set-CMDiscoveryMethod -ActiveDirectoryUserDiscovery -SiteCode $SiteCode -Enabled $true `
        -AddActiveDirectoryContainer @($UsersOuLdap) -Recursive -EnableDeltaDiscovery $true -DeltaDiscoveryMins 5
    if (-not (Test-DiscoveryOn -Code $SiteCode -Method 'ActiveDirectoryUserDiscovery' -Containers @($UsersOuLdap))) {
        throw (Get-DiscoveryProblem -Code $SiteCode -UsersContainer $UsersOuLdap -SystemContainers $systemOus)
    }
    Invoke-CMUserDiscovery -SiteCode $SiteCode
}

if (-not (Test-DiscoveryOn -Code $SiteCode -Method 'ActiveDirectorySystemDiscovery' -Containers $systemOus)) {
    Write-Output "Enabling Active Directory System Discovery on $($systemOus -join ', ')"
    Set-CMDiscoveryMethod -ActiveDirectorySystemDiscovery -SiteCode $SiteCode -Enabled $true `
        -AddActiveDirectoryContainer $systemOus -Recursive -EnableDeltaDiscovery $true -DeltaDiscoveryMins 5
    if (-not (Test-DiscoveryOn -Code $SiteCode -Method 'ActiveDirectorySystemDiscovery' -Containers $systemOus)) {
        throw (Get-DiscoveryProblem -Code $SiteCode -UsersContainer $UsersOuLdap -SystemContainers $systemOus)
    }
    Invoke-CMSystemDiscovery -SiteCode $SiteCode
}

$deadline = (Get-Date).AddMinutes($minutes)
while (-not (Test-UserDiscovered -Code $SiteCode -OuDn $usersOuDn)) {
    if ((Get-Date) -gt $deadline) {
        throw "no user of $usersOuDn has a ConfigMgr user record with its SID after $minutes minutes; see adusrdis.log (are there users in the OU?)"
    }
    Start-Sleep -Seconds 30
}

if (-not ((Test-DiscoveryOn -Code $SiteCode -Method 'ActiveDirectoryUserDiscovery' -Containers @($UsersOuLdap)) -and
        (Test-DiscoveryOn -Code $SiteCode -Method 'ActiveDirectorySystemDiscovery' -Containers $systemOus))) {
    throw (Get-DiscoveryProblem -Code $SiteCode -UsersContainer $UsersOuLdap -SystemContainers $systemOus)
}
Write-Output "Active Directory User Discovery found users of $usersOuDn; system discovery on $($systemOus -join ', ')"
exit 0
