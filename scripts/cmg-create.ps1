<#
.SYNOPSIS
  Creates the cloud management gateway (virtual machine scale set) from the site, without an
  interactive sign-in: New-CMCloudManagementGateway in its Non-Interactive parameter set
  (-ServerAppClientId of the imported server app, -SubscriptionId, -GroupName), with the PFX made
  by the cmg-certificate step. Then waits, bounded, until Get-CMCloudManagementGateway reports
  the service ready. Runs as the site's Full Administrator (the domain admin). Idempotent: an
  existing CMG with this service name is not created again, only waited for.

  Resource group: ConfigMgr 2603 allows -IsUsingExistingGroup $true with -ServerAppClientId
  (what's new in 2603), so the CMG lands in the group Pulumi created and gave the server app a
  role on. The script uses that form when the cmdlet's parameter set offers it; on older builds
  the Non-Interactive set has no -IsUsingExistingGroup and the site creates (PUTs) the group
  named -GroupName itself; that this succeeds on the pre-created group with the server app's
  role scoped to it is UNCONFIRMED.
  State: SMS_AzureService.State 0 is taken as "Ready" (UNCONFIRMED: the state values are not
  documented); the script also prints the state it saw.
  Not used: -TenantId, -VMSSVMSize, -Version (named in release notes, not in the cmdlet help
  read; see scripts/README.md "Known unconfirmed items"): the CMG gets the cmdlet's default size.
  Sources: https://learn.microsoft.com/powershell/module/configurationmanager/new-cmcloudmanagementgateway
  https://learn.microsoft.com/mem/configmgr/core/plan-design/changes/whats-new-in-version-2603
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
    [string] $Region,

    [Parameter(Mandatory = $true)]
    [string] $InstanceCount,

    [Parameter(Mandatory = $true)]
    [string] $SubscriptionId,

    [Parameter(Mandatory = $true)]
    [string] $GroupName,

    [Parameter(Mandatory = $true)]
    [string] $ServerAppClientId,

    [Parameter(Mandatory = $true)]
    [string] $PfxPath,

    [Parameter(Mandatory = $true)]
    [string] $WaitMinutes,

    [Parameter(Mandatory = $true)]
    [string] $PfxPassword
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "cmg-create failed: $_" -ErrorAction Continue
    exit 1
}

#include lib/configmgr-site.ps1

function Test-CmgExists {
    param(
        [string] $Name
    )
    return ($null -ne (Get-CMCloudManagementGateway -Name $Name))
}

function Test-CmgReady {
    param(
        [string] $Name
    )
    $cmg = Get-CMCloudManagementGateway -Name $Name
    return ($null -ne $cmg -and [int] $cmg.State -eq 0)
}

function Test-ExistingGroupSupported {
    $command = Get-Command -Name New-CMCloudManagementGateway
    foreach ($set in $command.ParameterSets) {
        $names = $set.Parameters | ForEach-Object { $_.Name }
        if (($names -contains 'ServerAppClientId') -and ($names -contains 'IsUsingExistingGroup')) { return $true }
    }
    return $false
}

Connect-CMSite -Code $SiteCode -Provider $SiteServerFqdn
if (-not (Test-Path -LiteralPath $PfxPath)) { throw "no CMG certificate at $($PfxPath): the cmg-certificate step has not run" }

if (-not (Test-CmgExists -Name $ServiceFqdn)) {
    $secure = ConvertTo-SecureString -String $PfxPassword -AsPlainText -Force
    if (Test-ExistingGroupSupported) {
        Write-Output "Creating CMG $ServiceFqdn in the existing resource group $GroupName (2603+ form)"
        New-CMCloudManagementGateway -ServerAppClientId $ServerAppClientId -SubscriptionId $SubscriptionId `
            -GroupName $GroupName -IsUsingExistingGroup $true -ServiceCertPath $PfxPath -ServiceCertPassword $secure `
            -ServiceName $ServiceFqdn -Region $Region -VMInstanceCount ([int] $InstanceCount) `
            -EnvironmentSetting AzurePublicCloud -EnforceProtocol $true -CheckClientCertRevocation $false `
            -EnableCloudDPFunction $false -Description 'cmg-lab' -Force | Out-Null
    } else {
        Write-Output "Creating CMG $ServiceFqdn with resource group $GroupName (pre-2603 Non-Interactive form)"
        New-CMCloudManagementGateway -ServerAppClientId $ServerAppClientId -SubscriptionId $SubscriptionId `
            -GroupName $GroupName -ServiceCertPath $PfxPath -ServiceCertPassword $secure `
            -ServiceName $ServiceFqdn -Region $Region -VMInstanceCount ([int] $InstanceCount) `
            -EnvironmentSetting AzurePublicCloud -EnforceProtocol $true -CheckClientCertRevocation $false `
            -EnableCloudDPFunction $false -Description 'cmg-lab' -Force | Out-Null
    }
}

$deadline = (Get-Date).AddMinutes([int] $WaitMinutes)
while (-not (Test-CmgReady -Name $ServiceFqdn)) {
    if ((Get-Date) -gt $deadline) { break }
    Start-Sleep -Seconds 60
}
if (-not (Test-CmgReady -Name $ServiceFqdn)) {
    $cmg = Get-CMCloudManagementGateway -Name $ServiceFqdn
    $installDir = (Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\SMS\Identification' -ErrorAction SilentlyContinue).'Installation Directory'
    $log = Join-Path ([string] $installDir) 'Logs\CloudMgr.log'
    $tail = if (Test-Path -LiteralPath $log) { (Get-Content -LiteralPath $log -Tail 15) -join "`n" } else { '(CloudMgr.log not found)' }
    throw "CMG $ServiceFqdn not ready after $WaitMinutes minutes (State=$($cmg.State)). CloudMgr.log:`n$tail"
}
Write-Output "CMG $ServiceFqdn is ready (State=0)"
exit 0
