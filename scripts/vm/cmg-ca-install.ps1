<#
.SYNOPSIS
  The lab's enterprise root CA on the domain controller (AD CS): installs the role and sets up an
  Enterprise Root CA. An enterprise CA publishes its certificate to Active Directory, so every
  domain member trusts it through Group Policy; it issues the CMG's server-authentication
  certificate from the built-in Web Server template (Domain Admins may enroll by default).
  Runs as the domain admin (an enterprise CA needs Enterprise Admin rights). Idempotent: an
  existing CA with this name is left alone.
  Sources: https://learn.microsoft.com/powershell/module/adcsdeployment/install-adcscertificationauthority
  https://learn.microsoft.com/mem/configmgr/core/clients/manage/cmg/server-auth-cert
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $CaCommonName,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[0-9]{1,2}$')]
    [string] $ValidityYears,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[0-9]{1,4}$')]
    [string] $WaitMinutes
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "cmg-ca-install failed: $_" -ErrorAction Continue
    exit 1
}

function Test-CaRoleInstalled {
    return [bool] (Get-WindowsFeature -Name ADCS-Cert-Authority).Installed
}

function Get-ActiveCaName {
    # Reads only: the CA this server hosts ('' when none: the key or value is absent before setup).
    $config = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Services\CertSvc\Configuration' -ErrorAction SilentlyContinue
    if ($null -eq $config -or $null -eq $config.PSObject.Properties['Active']) { return '' }
    return [string] $config.Active
}

function Test-CaRunning {
    param(
        [string] $Name
    )
    if ((Get-ActiveCaName) -ne $Name) { return $false }
    $svc = Get-Service -Name CertSvc -ErrorAction SilentlyContinue
    return ($null -ne $svc -and $svc.Status -eq 'Running')
}

if (-not (Test-CaRoleInstalled)) {
    Install-WindowsFeature -Name ADCS-Cert-Authority -IncludeManagementTools | Out-Null
}
if (-not (Test-CaRunning -Name $CaCommonName)) {
    $existing = Get-ActiveCaName
    if ($existing -and $existing -ne $CaCommonName) {
        throw "this server already hosts the CA '$existing'; refusing to replace it with '$CaCommonName'"
    }
    if (-not $existing) {
        Install-AdcsCertificationAuthority -CAType EnterpriseRootCA -CACommonName $CaCommonName `
            -KeyLength 2048 -HashAlgorithmName SHA256 -ValidityPeriod Years -ValidityPeriodUnits ([int] $ValidityYears) -Force | Out-Null
    }
}

$deadline = (Get-Date).AddMinutes([int] $WaitMinutes)
while (-not (Test-CaRunning -Name $CaCommonName)) {
    if ((Get-Date) -gt $deadline) { break }
    Start-Sleep -Seconds 10
}
if (-not (Test-CaRunning -Name $CaCommonName)) { throw "the CA '$CaCommonName' is not running after $WaitMinutes minutes (CertSvc)" }
Write-Output "Enterprise root CA '$CaCommonName' is running"
exit 0
