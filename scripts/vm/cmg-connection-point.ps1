<#
.SYNOPSIS
  Connects the site to the CMG and publishes what internet clients need to install:
  1. the CMG connection point on the site server (Add-CMCloudManagementGatewayConnectionPoint);
  2. the management point allows CMG traffic (Set-CMManagementPoint -EnableCloudGateway $true);
  3. default client settings: use the CMG, register domain-joined Windows devices with Entra ID
     (Set-CMClientSettingCloudService -DefaultSetting -AllowCloudManagementGateway $true
     -AutoAzureADJoin $true);
  4. waits, bounded, until the site publishes the MP's CMG route (CCM_Proxy_MutualAuth/<id>) and
     writes it with the CMG service name to cmg-client.json, with the client install files, in
     the DC's client share (internet clients cannot reach this server).
  Each of 1-3 is read, set only when it differs, and read back on every run, so a rerun repairs
  whichever was reset. The route is read from the site database view vProxy_Routings: its
  ExternalUrl holds `https://<cmg>/CCM_Proxy_MutualAuth/<id>` (ExternalEndpointName only names
  the endpoint, e.g. AdminService); public scripts query it so (CharlesNRU/mdm-adminservice
  Invoke-GetPackageIDFromAdminService.ps1), Microsoft documents neither the view nor the column
  (UNCONFIRMED). The client settings are read back with Get-CMClientSetting -Setting Cloud,
  whose AllowCMG and AutoAADJoin properties carry the two values (as ConfigMgrCBDsc's
  CMClientSettingsCloudService resource reads them; property names UNCONFIRMED in Microsoft's
  docs). Runs as the site's Full Administrator (the domain admin).
  Sources: https://learn.microsoft.com/powershell/module/configurationmanager/add-cmcloudmanagementgatewayconnectionpoint
  https://learn.microsoft.com/powershell/module/configurationmanager/set-cmmanagementpoint
  https://learn.microsoft.com/powershell/module/configurationmanager/set-cmclientsettingcloudservice
  https://learn.microsoft.com/mem/configmgr/core/clients/deploy/deploy-clients-cmg-azure
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $SiteCode,

    [Parameter(Mandatory = $true)]
    [string] $SiteServerFqdn,

    [Parameter(Mandatory = $true)]
    [string] $ServiceFqdn,

    [Parameter(Mandatory = $true)]
    [string] $ClientShareUnc,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[0-9]{1,4}$')]
    [string] $WaitMinutes
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "cmg-connection-point failed: $_" -ErrorAction Continue
    exit 1
}

#include lib/configmgr-site.ps1

function Test-ConnectionPoint {
    param(
        [string] $Code,
        [string] $Server
    )
    return ($null -ne (Get-CMCloudManagementGatewayConnectionPoint -SiteCode $Code -SiteSystemServerName $Server))
}

function Test-MpCloudGateway {
    param(
        [string] $Code,
        [string] $Server
    )
    $mp = Get-CMManagementPoint -SiteCode $Code -SiteSystemServerName $Server
    if ($null -eq $mp) { return $false }
    # AllowProxyTraffic is the MP's embedded property behind "Allow Configuration Manager cloud
    # management gateway traffic" (Set-CMManagementPoint -EnableCloudGateway), as ConfigMgrCBDsc's
    # CMManagementPoint resource reads it. Absent means not set: the switch is then applied.
    $prop = @($mp.Props | Where-Object { $_.PropertyName -eq 'AllowProxyTraffic' }) | Select-Object -First 1
    return ($null -ne $prop -and [int] $prop.Value -eq 1)
}

function Get-SiteDbScalar {
    # Only the SQL call (System.Data.SqlClient): the first column of the first row, or $null.
    param(
        [string] $Database,
        [string] $Query
    )
    $connection = New-Object System.Data.SqlClient.SqlConnection "Server=localhost;Database=$Database;Integrated Security=True;TrustServerCertificate=True"
    try {
        $connection.Open()
        $command = $connection.CreateCommand()
        $command.CommandText = $Query
        return $command.ExecuteScalar()
    } finally {
        $connection.Dispose()
    }
}

function Get-ProxyRoute {
    # Reads only: Route is `CCM_Proxy_MutualAuth/<id>` from the MP's ExternalUrl, or '' when
    # none is published yet; Error holds a database error (a login or database error is not
    # "no route yet").
    param(
        [string] $Code
    )
    try {
        $url = [string] (Get-SiteDbScalar -Database "CM_$Code" -Query "SELECT TOP 1 ExternalUrl FROM vProxy_Routings WHERE ExternalUrl LIKE '%/CCM_Proxy_MutualAuth/%'")
    } catch {
        return [pscustomobject] @{ Route = ''; Error = $_.Exception.Message }
    }
    $match = [regex]::Match($url, 'CCM_Proxy_MutualAuth/[^/?#\s]+', [System.Text.RegularExpressions.RegexOptions]::IgnoreCase)
    $route = if ($match.Success) { $match.Value } else { '' }
    return [pscustomobject] @{ Route = $route; Error = '' }
}

function ConvertTo-SettingFlag {
    # A client setting value as the site returns it ($true/$false, 1/0, 'True'/'False') as a
    # boolean; $null when absent or anything else, so a missing value never counts as set.
    param(
        [object] $Value
    )
    if ($null -eq $Value) { return $null }
    if ($Value -is [bool]) { return $Value }
    $text = ([string] $Value).Trim()
    if (@('true', '1') -contains $text) { return $true }
    if (@('false', '0') -contains $text) { return $false }
    return $null
}

function Get-CloudClientSetting {
    # Reads only: the default client settings' Cloud Services values that the CMG needs.
    $settings = Get-CMClientSetting -Name 'Default Client Agent Settings' -Setting Cloud
    $allowCmg = $null
    $autoJoin = $null
    if ($null -ne $settings) {
        $allowCmg = ConvertTo-SettingFlag -Value $settings.AllowCMG
        $autoJoin = ConvertTo-SettingFlag -Value $settings.AutoAADJoin
    }
    return [pscustomobject] @{ AllowCMG = $allowCmg; AutoAADJoin = $autoJoin }
}

function Test-CloudClientSetting {
    $current = Get-CloudClientSetting
    return ($current.AllowCMG -eq $true -and $current.AutoAADJoin -eq $true)
}

function Test-ClientShareReady {
    param(
        [string] $Share,
        [string] $Fqdn,
        [string] $Route
    )
    # Provider-qualified: the current location is the CMSite drive.
    $root = "Microsoft.PowerShell.Core\FileSystem::$Share"
    $settings = Join-Path $root 'cmg-client.json'
    if (-not (Test-Path -LiteralPath (Join-Path $root 'ccmsetup.exe'))) { return $false }
    if (-not (Test-Path -LiteralPath $settings)) { return $false }
    $json = Get-Content -LiteralPath $settings -Raw | ConvertFrom-Json
    return ($json.cmgFqdn -eq $Fqdn -and $json.mpPath -eq $Route)
}

Connect-CMSite -Code $SiteCode -Provider $SiteServerFqdn

if (-not (Test-ConnectionPoint -Code $SiteCode -Server $SiteServerFqdn)) {
    Add-CMCloudManagementGatewayConnectionPoint -CloudManagementGatewayName $ServiceFqdn -SiteSystemServerName $SiteServerFqdn -SiteCode $SiteCode | Out-Null
}
if (-not (Test-MpCloudGateway -Code $SiteCode -Server $SiteServerFqdn)) {
    Set-CMManagementPoint -SiteCode $SiteCode -SiteSystemServerName $SiteServerFqdn -EnableCloudGateway $true | Out-Null
}
if (-not (Test-MpCloudGateway -Code $SiteCode -Server $SiteServerFqdn)) {
    throw "the management point $SiteServerFqdn does not allow CMG traffic (AllowProxyTraffic is not 1 after Set-CMManagementPoint -EnableCloudGateway `$true). Since 1902 the MP needs HTTPS or Enhanced HTTP for it: check that the enhanced-http step ran and that the site option is still on"
}
if (-not (Test-CloudClientSetting)) {
    Set-CMClientSettingCloudService -DefaultSetting -AllowCloudManagementGateway $true -AutoAzureADJoin $true | Out-Null
}
if (-not (Test-CloudClientSetting)) {
    $current = Get-CloudClientSetting
    $wrong = @()
    if ($current.AllowCMG -ne $true) { $wrong += "AllowCMG is '$($current.AllowCMG)'" }
    if ($current.AutoAADJoin -ne $true) { $wrong += "AutoAADJoin is '$($current.AutoAADJoin)'" }
    throw "the Default Client Agent Settings (Cloud Services) did not keep what Set-CMClientSettingCloudService -DefaultSetting set: $($wrong -join ', ') (want True). Clients would not use the CMG or register with Entra ID; check the client settings in the console (Administration > Client Settings)"
}

$deadline = (Get-Date).AddMinutes([int] $WaitMinutes)
$read = Get-ProxyRoute -Code $SiteCode
while (-not $read.Route) {
    if ((Get-Date) -gt $deadline) { break }
    Start-Sleep -Seconds 30
    $read = Get-ProxyRoute -Code $SiteCode
}
$route = $read.Route
if (-not $route) {
    if ($read.Error) { throw "could not read vProxy_Routings in CM_$SiteCode for $WaitMinutes minutes: $($read.Error)" }
    throw "the site has not published a CMG route for its management point after $WaitMinutes minutes (no CCM_Proxy_MutualAuth route in vProxy_Routings): check SMS_Cloud_ProxyConnector.log on $SiteServerFqdn"
}

if (-not (Test-ClientShareReady -Share $ClientShareUnc -Fqdn $ServiceFqdn -Route $route)) {
    Set-Location -Path $env:SystemDrive
    $installDir = (Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\SMS\Identification').'Installation Directory'
    $clientSource = Join-Path $installDir 'Client'
    & robocopy.exe $clientSource $ClientShareUnc /MIR /XF cmg-client.json /R:2 /W:5 /NP /NJH /NJS | Out-Null
    if ($LASTEXITCODE -ge 8) { throw "copying $clientSource to $ClientShareUnc failed (robocopy exit code $LASTEXITCODE)" }
    $settings = [ordered]@{ cmgFqdn = $ServiceFqdn; mpPath = $route; siteCode = $SiteCode }
    $settings | ConvertTo-Json | Set-Content -LiteralPath (Join-Path "Microsoft.PowerShell.Core\FileSystem::$ClientShareUnc" 'cmg-client.json') -Encoding UTF8
}

if (-not (Test-ConnectionPoint -Code $SiteCode -Server $SiteServerFqdn)) { throw "no CMG connection point on $SiteServerFqdn after Add-CMCloudManagementGatewayConnectionPoint: check SMS_Cloud_ProxyConnector.log and that the cmg step created $ServiceFqdn" }
if (-not (Test-ClientShareReady -Share $ClientShareUnc -Fqdn $ServiceFqdn -Route $route)) { throw "the client share $ClientShareUnc does not hold ccmsetup.exe and a cmg-client.json for $ServiceFqdn and $route after the copy: check that the cmg client-share step made the share on the DC and that the domain admin may write to it" }
Write-Output "CMG connection point on $SiteServerFqdn; MP allows CMG traffic; client route https://$ServiceFqdn/$route published to $ClientShareUnc"
exit 0
