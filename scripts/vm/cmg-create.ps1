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
  Ready: State 0 with StatusDetails 1, as the one public unattended CMG script waits for
  (TomDegreef/SuperChargedIntune Configure-CMG.ps1); Microsoft documents neither value
  (UNCONFIRMED). A missing or unreadable value is never taken as 0; the script prints both.
  Tenant: -TenantId is in the cmdlet help since 2309 ("mandatory when creating a CMG"; sccm-docs-
  powershell-ref New-CMCloudManagementGateway.md, 2309-release-notes.md); it is passed whenever
  the installed cmdlet has it, and left out (said in the log) on older builds.
  VM size: -VMSSVMSize is named in the 2207 PowerShell release notes only; its type and values
  are documented nowhere. So the script asks the installed cmdlet: when it has the parameter, the
  configured size is passed under the first of VmSizeNames it accepts (an enum's or a
  ValidateSet's values; for a free string, the Azure SKU name, UNCONFIRMED). A size the cmdlet
  does not offer fails before anything is created, naming what it offers; a cmdlet without the
  parameter (before 2207) is accepted only for the site's default size (DefaultVmSize). The size
  is set at creation: Set-CMCloudManagementGateway documents no size parameter.
  Not used: -Version (named in release notes, not in the cmdlet help read; see
  scripts/README.md "Known unconfirmed items").
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
    [ValidatePattern('^[0-9]{1,2}$')]
    [string] $InstanceCount,

    [Parameter(Mandatory = $true)]
    [string] $VmSize,

    [Parameter(Mandatory = $true)]
    [string] $VmSizeNames,

    [Parameter(Mandatory = $true)]
    [string] $DefaultVmSize,

    [Parameter(Mandatory = $true)]
    [string] $SubscriptionId,

    [Parameter(Mandatory = $true)]
    [string] $GroupName,

    [Parameter(Mandatory = $true)]
    [string] $ServerAppClientId,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')]
    [string] $TenantId,

    [Parameter(Mandatory = $true)]
    [string] $PfxPath,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[0-9]{1,4}$')]
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
#include lib/cmg-status.ps1

function Test-CmgExists {
    param(
        [string] $Name
    )
    return ($null -ne (Get-CMCloudManagementGateway -Name $Name))
}

function Get-CmgStatus {
    # Reads only: the site's CMG of this name, through lib/cmg-status.ps1.
    param(
        [string] $Name
    )
    return (Get-CmgStatusOf -Gateway (Get-CMCloudManagementGateway -Name $Name))
}

function Test-CmgReady {
    param(
        [string] $Name
    )
    return (Get-CmgStatus -Name $Name).Ready
}

function Test-TenantIdSupported {
    # Reads only: whether the installed cmdlet has -TenantId (2309 and later).
    return [bool] (Get-Command -Name New-CMCloudManagementGateway).Parameters.ContainsKey('TenantId')
}

function Test-ExistingGroupSupported {
    $command = Get-Command -Name New-CMCloudManagementGateway
    foreach ($set in $command.ParameterSets) {
        $names = $set.Parameters | ForEach-Object { $_.Name }
        if (($names -contains 'ServerAppClientId') -and ($names -contains 'IsUsingExistingGroup')) { return $true }
    }
    return $false
}

function Get-SizeKey {
    param(
        [string] $Name
    )
    return (($Name -replace '[^A-Za-z0-9]', '').ToLowerInvariant())
}

function Get-VmSizeChoice {
    # Reads only: whether the installed cmdlet takes -VMSSVMSize together with -ServerAppClientId
    # (the form this script calls) without a mandatory -Version (named beside it in the 2207
    # notes, values unknown), the values it offers, and the first of $Names among them. Note says
    # what was seen, for the log.
    param(
        [string[]] $Names
    )
    $command = Get-Command -Name New-CMCloudManagementGateway
    $parameter = $command.Parameters['VMSSVMSize']
    if ($null -eq $parameter) { return [pscustomobject] @{ Supported = $false; Value = $null; Offered = @(); Note = 'no -VMSSVMSize' } }
    # Where-Object runs its block in this scope: its variables must not reuse $Names.
    $usable = @($command.ParameterSets | Where-Object {
            $setParameters = @($_.Parameters | ForEach-Object { $_.Name })
            $mandatoryVersion = @($_.Parameters | Where-Object { ($_.Name -eq 'Version') -and $_.IsMandatory })
            ($setParameters -contains 'VMSSVMSize') -and ($setParameters -contains 'ServerAppClientId') -and ($mandatoryVersion.Count -eq 0)
        })
    $note = "-VMSSVMSize of type $($parameter.ParameterType.FullName) in parameter sets $(@($parameter.ParameterSets.Keys) -join ', ')"
    $versionParameter = $command.Parameters['Version']
    if ($null -ne $versionParameter) { $note = "$note; -Version of type $($versionParameter.ParameterType.FullName)" }
    if ($usable.Count -eq 0) { return [pscustomobject] @{ Supported = $false; Value = $null; Offered = @(); Note = "$note, not usable with -ServerAppClientId without -Version" } }
    $type = $parameter.ParameterType
    $underlying = [Nullable]::GetUnderlyingType($type)
    if ($null -ne $underlying) { $type = $underlying }
    $offered = @()
    if ($type.IsEnum) {
        $offered = @([enum]::GetNames($type))
    } else {
        $sets = @($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] })
        if ($sets.Count -gt 0) { $offered = @($sets[0].ValidValues) }
    }
    if ($offered.Count -eq 0) { return [pscustomobject] @{ Supported = $true; Value = $Names[0]; Offered = @(); Note = "$note, free text: sending the Azure size name (UNCONFIRMED format)" } }
    foreach ($name in $Names) {
        $hits = @($offered | Where-Object { (Get-SizeKey -Name $_) -eq (Get-SizeKey -Name $name) })
        if ($hits.Count -eq 1) { return [pscustomobject] @{ Supported = $true; Value = $hits[0]; Offered = $offered; Note = $note } }
    }
    return [pscustomobject] @{ Supported = $true; Value = $null; Offered = $offered; Note = $note }
}

function Get-CmgSizeReport {
    # Reads only: the CMG's properties that look like a size (where the site keeps the size is
    # not documented), for the log.
    param(
        [string] $Name
    )
    try {
        $cmg = Get-CMCloudManagementGateway -Name $Name
        if ($null -eq $cmg) { return '' }
        $props = @($cmg.PSObject.Properties | Where-Object { $_.Name -match 'Size|Sku' } | ForEach-Object { "$($_.Name)=$($_.Value)" })
        if ($props.Count -eq 0) { return 'the site shows no size property; see Properties > Settings > VM Size in the console' }
        return ($props -join ', ')
    } catch {
        # Only for the log: never fail a CMG that is ready over it.
        return "not readable ($_)"
    }
}

Connect-CMSite -Code $SiteCode -Provider $SiteServerFqdn
if (-not (Test-Path -LiteralPath $PfxPath)) { throw "no CMG certificate at $($PfxPath): the cmg-certificate step has not run" }

if (-not (Test-CmgExists -Name $ServiceFqdn)) {
    # Checked before anything is created: a size the cmdlet cannot take fails here, not in Azure.
    $size = Get-VmSizeChoice -Names ($VmSizeNames -split ';')
    Write-Output "VM size: $($size.Note)"
    if ((-not $size.Supported) -and ($VmSize -ne $DefaultVmSize)) {
        throw "this site's New-CMCloudManagementGateway cannot take the VM size here ($($size.Note)), so the CMG can only get the default size $DefaultVmSize, not $VmSize. Set cmg-lab:cmg.vmSize to $DefaultVmSize (or change the size in the console later: Properties > Settings > VM Size)"
    }
    if ($size.Supported -and ($null -eq $size.Value)) {
        throw "New-CMCloudManagementGateway -VMSSVMSize offers $($size.Offered -join ', '), none of which is $VmSize (known as $($VmSizeNames -replace ';', ', ')). Set cmg-lab:cmg.vmSize to the matching size, or add the name this build uses to cmgVmSizeNames (stacks/config/config-data.ts)"
    }
    $secure = ConvertTo-SecureString -String $PfxPassword -AsPlainText -Force
    $create = @{
        ServerAppClientId = $ServerAppClientId
        SubscriptionId = $SubscriptionId
        GroupName = $GroupName
        ServiceCertPath = $PfxPath
        ServiceCertPassword = $secure
        ServiceName = $ServiceFqdn
        Region = $Region
        VMInstanceCount = [int] $InstanceCount
        EnvironmentSetting = 'AzurePublicCloud'
        EnforceProtocol = $true
        CheckClientCertRevocation = $false
        EnableCloudDPFunction = $false
        Description = 'cmg-lab'
        Force = $true
    }
    $form = 'pre-2603 Non-Interactive form: the site creates resource group'
    if (Test-ExistingGroupSupported) {
        $create['IsUsingExistingGroup'] = $true
        $form = '2603+ form: into the existing resource group'
    }
    $tenantText = "tenant $TenantId"
    if (Test-TenantIdSupported) {
        $create['TenantId'] = $TenantId
    } else {
        $tenantText = 'no -TenantId on this build (before 2309): the site uses its Azure Services tenant'
    }
    $sizeText = "the site's default size ($DefaultVmSize)"
    if ($size.Supported) {
        $create['VMSSVMSize'] = $size.Value
        $sizeText = "-VMSSVMSize $($size.Value)"
    }
    Write-Output "Creating CMG $ServiceFqdn ($form $GroupName; $tenantText), $InstanceCount x $VmSize as $sizeText"
    New-CMCloudManagementGateway @create | Out-Null
    if (-not (Test-CmgExists -Name $ServiceFqdn)) {
        throw "the site has no CMG named $ServiceFqdn after New-CMCloudManagementGateway: see CloudMgr.log on $SiteServerFqdn (server app role on $GroupName, subscription $SubscriptionId)"
    }
} else {
    Write-Output "CMG $ServiceFqdn exists; its size is set at creation (change it in the console: Properties > Settings > VM Size)"
}

$deadline = (Get-Date).AddMinutes([int] $WaitMinutes)
while (-not (Test-CmgReady -Name $ServiceFqdn)) {
    if ((Get-Date) -gt $deadline) { break }
    Start-Sleep -Seconds 60
}
if (-not (Test-CmgReady -Name $ServiceFqdn)) {
    $status = Get-CmgStatus -Name $ServiceFqdn
    $installDir = (Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\SMS\Identification' -ErrorAction SilentlyContinue).'Installation Directory'
    $log = Join-Path ([string] $installDir) 'Logs\CloudMgr.log'
    $tail = if (Test-Path -LiteralPath $log) { (Get-Content -LiteralPath $log -Tail 15) -join "`n" } else { '(CloudMgr.log not found)' }
    $seen = if ($status.Found) { $status.Text } else { 'the site shows no such CMG' }
    throw "CMG $ServiceFqdn not ready after $WaitMinutes minutes ($seen; ready is State 0 with StatusDetails 1). CloudMgr.log:`n$tail"
}
Write-Output "CMG $ServiceFqdn is ready ($((Get-CmgStatus -Name $ServiceFqdn).Text)); size: $(Get-CmgSizeReport -Name $ServiceFqdn)"
exit 0
