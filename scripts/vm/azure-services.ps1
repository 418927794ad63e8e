<#
.SYNOPSIS
  Onboards the site to Entra ID for Cloud Management without the wizard: imports the server
  (web) app with its secret and the client (native) app that Pulumi created, then creates the
  Cloud Management Azure service with Azure AD user discovery on (delta every few minutes).
  Runs as a ConfigMgr Full Administrator. Idempotent: apps and service found by client id and
  name are left alone.
  Sources: https://learn.microsoft.com/powershell/module/configurationmanager/import-cmaadserverapplication
  https://learn.microsoft.com/powershell/module/configurationmanager/import-cmaadclientapplication
  https://learn.microsoft.com/powershell/module/configurationmanager/new-cmcloudmanagementazureservice
  https://learn.microsoft.com/mem/configmgr/core/clients/manage/cmg/manually-register-azure-ad-apps
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $SiteCode,

    [Parameter(Mandatory = $true)]
    [string] $SiteServerFqdn,

    [Parameter(Mandatory = $true)]
    [string] $TenantId,

    [Parameter(Mandatory = $true)]
    [string] $TenantName,

    [Parameter(Mandatory = $true)]
    [string] $ServerAppClientId,

    [Parameter(Mandatory = $true)]
    [string] $ServerAppName,

    [Parameter(Mandatory = $true)]
    [string] $ServerAppIdUri,

    [Parameter(Mandatory = $true)]
    [string] $ServerAppSecret,

    [Parameter(Mandatory = $true)]
    [string] $ServerAppSecretEndDate,

    [Parameter(Mandatory = $true)]
    [string] $ClientAppClientId,

    [Parameter(Mandatory = $true)]
    [string] $ClientAppName,

    [Parameter(Mandatory = $true)]
    [string] $ServiceName,

    [Parameter(Mandatory = $true)]
    [string] $UserDeltaDiscoveryMins
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "azure-services failed: $_" -ErrorAction Continue
    exit 1
}

#include lib/configmgr-site.ps1

function Get-ServerApp {
    return (Get-CMAADApplication -AppType ServerApplication -ClientId $ServerAppClientId -TenantId $TenantId)
}

function Get-ClientApp {
    return (Get-CMAADApplication -AppType ClientApplication -ClientId $ClientAppClientId -TenantId $TenantId)
}

function Test-AppsImported {
    return ($null -ne (Get-ServerApp)) -and ($null -ne (Get-ClientApp))
}

function Test-ServiceOnboarded {
    return (Test-AppsImported) -and ($null -ne (Get-CMAzureService -Name $ServiceName))
}

Connect-CMSite -Code $SiteCode -Provider $SiteServerFqdn

if (-not (Test-AppsImported)) {
    $server = Get-ServerApp
    if ($null -eq $server) {
        Write-Output "Importing the server app $ServerAppName ($ServerAppClientId)"
        $secure = ConvertTo-SecureString -String $ServerAppSecret -AsPlainText -Force
        $expiry = [datetime]::Parse($ServerAppSecretEndDate, [System.Globalization.CultureInfo]::InvariantCulture)
        $server = Import-CMAADServerApplication -TenantName $TenantName -TenantId $TenantId -AppName $ServerAppName `
            -ClientId $ServerAppClientId -SecretKey $secure -SecretKeyExpiry $expiry -AppIdUri $ServerAppIdUri `
            -AzureEnvironmentOption AzurePublicCloud
    }
    if ($null -eq (Get-ClientApp)) {
        Write-Output "Importing the client app $ClientAppName ($ClientAppClientId)"
        Import-CMAADClientApplication -AppName $ClientAppName -ClientId $ClientAppClientId -ServerApp $server | Out-Null
    }
}

if (-not (Test-ServiceOnboarded)) {
    Write-Output "Creating the Cloud Management Azure service $ServiceName with Azure AD user discovery"
    New-CMCloudManagementAzureService -Name $ServiceName -ServerApp (Get-ServerApp) -ClientApp (Get-ClientApp) `
        -Description 'cmg-lab: Cloud Management for the CMG and Azure AD user discovery' `
        -EnableUserDiscovery $true -EnableUserDeltaDiscovery $true -UserDeltaDiscoveryMins ([int] $UserDeltaDiscoveryMins) | Out-Null
}

if (-not (Test-ServiceOnboarded)) {
    throw "the site is not onboarded: the apps or the Cloud Management service $ServiceName are missing"
}
Write-Output "Site $SiteCode onboarded to tenant $TenantId as $ServiceName"
exit 0
