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
  The route is read from the site database view vProxy_Routings (column ExternalEndpointName);
  that view and column are the community's documented way to find the id, not Microsoft's
  reference (UNCONFIRMED). Runs as the site's Full Administrator (the domain admin).
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

function Get-ProxyRoute {
    param(
        [string] $Code
    )
    $connection = New-Object System.Data.SqlClient.SqlConnection "Server=localhost;Database=CM_$Code;Integrated Security=True;TrustServerCertificate=True"
    try {
        $connection.Open()
        $command = $connection.CreateCommand()
        $command.CommandText = "SELECT TOP 1 ExternalEndpointName FROM vProxy_Routings WHERE ExternalEndpointName LIKE 'CCM_Proxy_MutualAuth/%'"
        $script:routeError = ''
        return [string] $command.ExecuteScalar()
    } catch {
        # Kept for the final message: a login or database error is not "no route yet".
        $script:routeError = $_.Exception.Message
        return ''
    } finally {
        $connection.Dispose()
    }
}

function Test-ClientShareReady {
    param(
        [string] $Share,
        [string] $Fqdn
    )
    # Provider-qualified: the current location is the CMSite drive.
    $root = "Microsoft.PowerShell.Core\FileSystem::$Share"
    $settings = Join-Path $root 'cmg-client.json'
    if (-not (Test-Path -LiteralPath (Join-Path $root 'ccmsetup.exe'))) { return $false }
    if (-not (Test-Path -LiteralPath $settings)) { return $false }
    $json = Get-Content -LiteralPath $settings -Raw | ConvertFrom-Json
    return ($json.cmgFqdn -eq $Fqdn -and $json.mpPath -like 'CCM_Proxy_MutualAuth/*')
}

Connect-CMSite -Code $SiteCode -Provider $SiteServerFqdn

if (-not (Test-ConnectionPoint -Code $SiteCode -Server $SiteServerFqdn)) {
    Add-CMCloudManagementGatewayConnectionPoint -CloudManagementGatewayName $ServiceFqdn -SiteSystemServerName $SiteServerFqdn -SiteCode $SiteCode | Out-Null
}
if (-not (Test-MpCloudGateway -Code $SiteCode -Server $SiteServerFqdn)) {
    Set-CMManagementPoint -SiteCode $SiteCode -SiteSystemServerName $SiteServerFqdn -EnableCloudGateway $true | Out-Null
}
# Client settings have no cheap read-back of these two values: set them every run (no change when equal).
if (-not (Test-ClientShareReady -Share $ClientShareUnc -Fqdn $ServiceFqdn)) {
    Set-CMClientSettingCloudService -DefaultSetting -AllowCloudManagementGateway $true -AutoAzureADJoin $true | Out-Null
}

$routeError = ''
$deadline = (Get-Date).AddMinutes([int] $WaitMinutes)
$route = Get-ProxyRoute -Code $SiteCode
while (-not $route) {
    if ((Get-Date) -gt $deadline) { break }
    Start-Sleep -Seconds 30
    $route = Get-ProxyRoute -Code $SiteCode
}
if (-not $route) {
    if ($routeError) { throw "could not read vProxy_Routings in CM_$SiteCode for $WaitMinutes minutes: $routeError" }
    throw "the site has not published a CMG route for its management point after $WaitMinutes minutes (vProxy_Routings is empty): check SMS_Cloud_ProxyConnector.log on $SiteServerFqdn"
}

if (-not (Test-ClientShareReady -Share $ClientShareUnc -Fqdn $ServiceFqdn)) {
    Set-Location -Path $env:SystemDrive
    $installDir = (Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\SMS\Identification').'Installation Directory'
    $clientSource = Join-Path $installDir 'Client'
    & robocopy.exe $clientSource $ClientShareUnc /MIR /XF cmg-client.json /R:2 /W:5 /NP /NJH /NJS | Out-Null
    if ($LASTEXITCODE -ge 8) { throw "copying $clientSource to $ClientShareUnc failed (robocopy exit code $LASTEXITCODE)" }
    $settings = [ordered]@{ cmgFqdn = $ServiceFqdn; mpPath = $route; siteCode = $SiteCode }
    $settings | ConvertTo-Json | Set-Content -LiteralPath (Join-Path $ClientShareUnc 'cmg-client.json') -Encoding UTF8
}

if (-not (Test-ConnectionPoint -Code $SiteCode -Server $SiteServerFqdn)) { throw "no CMG connection point on $SiteServerFqdn" }
if (-not (Test-ClientShareReady -Share $ClientShareUnc -Fqdn $ServiceFqdn)) { throw "the client share $ClientShareUnc is not ready" }
Write-Output "CMG connection point on $SiteServerFqdn; MP allows CMG traffic; client route https://$ServiceFqdn/$route published to $ClientShareUnc"
exit 0
