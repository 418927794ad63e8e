<#
.SYNOPSIS
  Enhanced HTTP on the site: waits until the site is fully up (the management point answers),
  turns on "Use Configuration Manager-generated certificates for HTTP site systems"
  (Set-CMSite -UseSmsGeneratedCert $true) and re-applies it in a bounded loop until it reads back
  on twice in a row (components still installing can reset it), keeps the management point on
  HTTP, and waits (bounded) until the site's "SMS Role SSL Certificate" is bound to 0.0.0.0:443,
  the Default Web Site's HTTPS binding. Runs as a ConfigMgr Full Administrator (the account that
  installed the site). Idempotent.
  Sources: https://learn.microsoft.com/mem/configmgr/core/plan-design/hierarchy/enhanced-http
  https://learn.microsoft.com/powershell/module/configurationmanager/set-cmsite
#>
[CmdletBinding()]
param(
    # Three letters or digits: it is written into a WMI namespace and a WQL filter.
    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[A-Za-z0-9]{3}$')]
    [string] $SiteCode,

    [Parameter(Mandatory = $true)]
    [string] $SiteServerFqdn,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[0-9]+$')]
    [string] $WaitMinutes
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "enhanced-http failed: $_" -ErrorAction Continue
    exit 1
}

#include lib/configmgr-site.ps1

function Get-MpListText {
    # Only the HTTP request to the local management point (a .NET call; tests replace it).
    $client = New-Object System.Net.WebClient
    try {
        return $client.DownloadString('http://localhost/SMS_MP/.sms_aut?MPLIST')
    } finally {
        $client.Dispose()
    }
}

function Test-ManagementPointAnswers {
    try {
        return ([string] (Get-MpListText) -match '<MPList>')
    } catch {
        return $false
    }
}

function Test-EnhancedHttpOn {
    param(
        [string] $Code
    )
    # UNCONFIRMED in Microsoft docs: the site option is bit 1024 of IISSSLState on the site
    # component manager (how lab builders read it back). Set-CMSite itself is documented.
    $component = Get-CimInstance -Namespace "root\SMS\site_$Code" -ClassName 'SMS_SCI_Component' -Filter "ItemName = 'SMS_SITE_COMPONENT_MANAGER|SMS Site Server' AND SiteCode = '$Code'"
    $prop = @($component.Props | Where-Object { $_.PropertyName -eq 'IISSSLState' }) | Select-Object -First 1
    return ($null -ne $prop) -and ((([int] $prop.Value) -band 1024) -eq 1024)
}

function Test-ManagementPointHttp {
    param(
        [string] $Code,
        [string] $Server
    )
    # SslState is a documented property of the role's SMS_SCI_SysResUse object: 0 = HTTP
    # (https://learn.microsoft.com/mem/configmgr/develop/reference/core/servers/configure/sms_sci_sysresuse-server-wmi-class).
    $mp = Get-CMManagementPoint -SiteSystemServerName $Server -SiteCode $Code
    if ($null -eq $mp) { return $false }
    $ssl = $mp.SslState
    return ($null -ne $ssl) -and ([int] $ssl -eq 0)
}

function Test-SmsRoleCertificateBound {
    $binding = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Services\HTTP\Parameters\SslBindingInfo\0.0.0.0:443' -ErrorAction SilentlyContinue
    if (($null -eq $binding) -or ($null -eq $binding.SslCertHash)) { return $false }
    $thumbprint = (($binding.SslCertHash | ForEach-Object { $_.ToString('X2') }) -join '')
    $cert = Get-Item -LiteralPath "Cert:\LocalMachine\My\$thumbprint" -ErrorAction SilentlyContinue
    return ($null -ne $cert) -and ($cert.FriendlyName -eq 'SMS Role SSL Certificate')
}

$minutes = [int] $WaitMinutes
$deadline = (Get-Date).AddMinutes($minutes)
while (-not (Test-ManagementPointAnswers)) {
    if ((Get-Date) -gt $deadline) { throw "the management point on $SiteServerFqdn did not answer within $minutes minutes; see MPSetup.log and mpcontrol.log" }
    Start-Sleep -Seconds 30
}

Connect-CMSite -Code $SiteCode -Provider $SiteServerFqdn

# Components still installing can reset the option: re-apply until it reads back on twice in a row.
$optionText = "the site option 'Use Configuration Manager-generated certificates for HTTP site systems' (Enhanced HTTP)"
$stableReads = 0
$sets = 0
for ($attempt = 1; ($attempt -le 15) -and ($stableReads -lt 2); $attempt++) {
    if (Test-EnhancedHttpOn -Code $SiteCode) {
        $stableReads++
    } else {
        $stableReads = 0
        Write-Output "Turning on Enhanced HTTP (attempt $attempt)"
        Set-CMSite -SiteCode $SiteCode -UseSmsGeneratedCert $true
        $sets++
    }
    if ($stableReads -lt 2) { Start-Sleep -Seconds 60 }
}
if ($stableReads -lt 2) {
    throw "$optionText did not read back on twice in a row in 15 attempts a minute apart (Set-CMSite -UseSmsGeneratedCert sent $sets times): site components may still be installing and resetting it (see sitecomp.log); run the step again once the site is idle"
}

if (-not (Test-ManagementPointHttp -Code $SiteCode -Server $SiteServerFqdn)) {
    Write-Output "Setting the management point on $SiteServerFqdn to HTTP"
    Set-CMManagementPoint -SiteSystemServerName $SiteServerFqdn -SiteCode $SiteCode -EnableSsl $false
    if (-not (Test-ManagementPointHttp -Code $SiteCode -Server $SiteServerFqdn)) {
        throw "the management point on $SiteServerFqdn is not on HTTP (SslState 0) after Set-CMManagementPoint -EnableSsl `$false: Enhanced HTTP serves HTTP management points; see mpcontrol.log"
    }
}

# The site creates the SMS Role SSL Certificate and binds it to 443; allow up to the wait time.
$deadline = (Get-Date).AddMinutes($minutes)
while (-not (Test-SmsRoleCertificateBound)) {
    if ((Get-Date) -gt $deadline) {
        netsh.exe http show sslcert ipport=0.0.0.0:443 | Write-Output
        throw "the SMS Role SSL Certificate is not bound to 0.0.0.0:443 after $minutes minutes; see mpcontrol.log"
    }
    Start-Sleep -Seconds 30
}

# Read back once more: the option can still be reset while the certificate is being bound.
if (-not ((Test-EnhancedHttpOn -Code $SiteCode) -and (Test-ManagementPointHttp -Code $SiteCode -Server $SiteServerFqdn) -and (Test-SmsRoleCertificateBound))) {
    $missing = @()
    if (-not (Test-EnhancedHttpOn -Code $SiteCode)) { $missing += "$optionText is off again (reset by a component still installing? see sitecomp.log)" }
    if (-not (Test-ManagementPointHttp -Code $SiteCode -Server $SiteServerFqdn)) { $missing += "the management point on $SiteServerFqdn is not on HTTP" }
    if (-not (Test-SmsRoleCertificateBound)) { $missing += 'the SMS Role SSL Certificate is no longer bound to 0.0.0.0:443' }
    throw "Enhanced HTTP is not in place: $($missing -join '; ')"
}
Write-Output "Enhanced HTTP on for site $SiteCode; SMS Role SSL Certificate bound to 443"
exit 0
