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
    [ValidatePattern('^[0-9]+$')]
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

# Checked before any change: a bad date or interval must not leave the apps half imported.
$expiry = [datetime]::MinValue
if (-not [datetime]::TryParse($ServerAppSecretEndDate, [System.Globalization.CultureInfo]::InvariantCulture, [System.Globalization.DateTimeStyles]::RoundtripKind, [ref] $expiry)) {
    throw "ServerAppSecretEndDate '$ServerAppSecretEndDate' is not a date (expected an RFC 3339 date and time)"
}

Connect-CMSite -Code $SiteCode -Provider $SiteServerFqdn

if (-not (Test-AppsImported)) {
    if ($null -eq (Get-ServerApp)) {
        Write-Output "Importing the server app $ServerAppName ($ServerAppClientId)"
        $secure = ConvertTo-SecureString -String $ServerAppSecret -AsPlainText -Force
        Import-CMAADServerApplication -TenantName $TenantName -TenantId $TenantId -AppName $ServerAppName `
            -ClientId $ServerAppClientId -SecretKey $secure -SecretKeyExpiry $expiry -AppIdUri $ServerAppIdUri `
            -AzureEnvironmentOption AzurePublicCloud | Out-Null
    }
    # Read the server app back rather than relying on the import's output (the help does not
    # say that Import-CMAADServerApplication returns the app: UNCONFIRMED); the client app
    # import needs it.
    $server = Get-ServerApp
    if ($null -eq $server) {
        throw "the server app $ServerAppName ($ServerAppClientId) does not read back after Import-CMAADServerApplication (Get-CMAADApplication -AppType ServerApplication); check the tenant id and the app's secret"
    }
    if ($null -eq (Get-ClientApp)) {
        Write-Output "Importing the client app $ClientAppName ($ClientAppClientId)"
        Import-CMAADClientApplication -AppName $ClientAppName -ClientId $ClientAppClientId -ServerApp $server | Out-Null
        if ($null -eq (Get-ClientApp)) {
            throw "the client app $ClientAppName ($ClientAppClientId) does not read back after Import-CMAADClientApplication (Get-CMAADApplication -AppType ClientApplication)"
        }
    }
}

if (-not (Test-ServiceOnboarded)) {
    Write-Output "Creating the Cloud Management Azure service $ServiceName with Azure AD user discovery"
    New-CMCloudManagementAzureService -Name $ServiceName -ServerApp (Get-ServerApp) -ClientApp (Get-ClientApp) `
        -Description 'cmg-lab: Cloud Management for the CMG and Azure AD user discovery' `
        -EnableUserDiscovery $true -EnableUserDeltaDiscovery $true -UserDeltaDiscoveryMins ([int] $UserDeltaDiscoveryMins) | Out-Null
}

if (-not (Test-ServiceOnboarded)) {
    $missing = @()
    if ($null -eq (Get-ServerApp)) { $missing += "the server app $ServerAppClientId" }
    if ($null -eq (Get-ClientApp)) { $missing += "the client app $ClientAppClientId" }
    if ($null -eq (Get-CMAzureService -Name $ServiceName)) { $missing += "the Cloud Management service $ServiceName" }
    throw "the site is not onboarded: $($missing -join ', ') is missing; without the service there is no CMG and no Azure AD user discovery"
}
Write-Output "Site $SiteCode onboarded to tenant $TenantId as $ServiceName"
exit 0
