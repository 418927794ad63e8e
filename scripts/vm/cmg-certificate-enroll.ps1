<#
.SYNOPSIS
  The CMG server-authentication certificate, made on the site server so the private key never
  leaves the lab: requests a certificate for the CMG service name from the lab's enterprise CA
  (Web Server template, RSA 2048, exportable key, Server Authentication EKU, the name as CN and
  DNS subject alternative name), installs it in LocalMachine\My and exports it with its chain as
  a password-protected PFX for New-CMCloudManagementGateway. Runs as the domain admin (who may
  enroll from the Web Server template). Idempotent: a certificate for the name, from the lab CA,
  valid past ExpiresOn, and a PFX that opens with the password are reused.
  Sources: https://learn.microsoft.com/mem/configmgr/core/clients/manage/cmg/server-auth-cert
  https://learn.microsoft.com/windows-server/administration/windows-commands/certreq_1
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $ServiceFqdn,

    [Parameter(Mandatory = $true)]
    [string] $CaConfig,

    [Parameter(Mandatory = $true)]
    [string] $CaCommonName,

    [Parameter(Mandatory = $true)]
    [string] $PfxPath,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[0-9]{4}-[0-9]{2}-[0-9]{2}$')]
    [string] $ExpiresOn,

    [Parameter(Mandatory = $true)]
    [string] $PfxPassword
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "cmg-certificate-enroll failed: $_" -ErrorAction Continue
    exit 1
}

function Get-CmgCertificate {
    param(
        [string] $Name,
        [string] $Issuer,
        [datetime] $Until
    )
    Get-ChildItem -Path Cert:\LocalMachine\My |
        Where-Object { $_.Subject -eq "CN=$Name" -and $_.Issuer -like "CN=$Issuer*" -and $_.HasPrivateKey -and $_.NotAfter -gt $Until } |
        Sort-Object -Property NotAfter -Descending |
        Select-Object -First 1
}

function Test-PfxReady {
    param(
        [string] $Path,
        [string] $Name,
        [string] $Issuer,
        [datetime] $Until,
        [securestring] $Secure
    )
    if (-not (Get-CmgCertificate -Name $Name -Issuer $Issuer -Until $Until)) { return $false }
    if (-not (Test-Path -LiteralPath $Path)) { return $false }
    try {
        $collection = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2Collection
        $collection.Import($Path, [System.Net.NetworkCredential]::new('', $Secure).Password, 'EphemeralKeySet')
        $leaf = $collection | Where-Object { $_.Subject -eq "CN=$Name" -and $_.HasPrivateKey }
        $issuers = $collection | Where-Object { $_.Subject -like "CN=$Issuer*" }
        return ($null -ne $leaf -and $null -ne $issuers)
    } catch {
        return $false
    }
}

$until = [datetime]::ParseExact($ExpiresOn, 'yyyy-MM-dd', [Globalization.CultureInfo]::InvariantCulture).AddDays(1)
$secure = ConvertTo-SecureString -String $PfxPassword -AsPlainText -Force

if (-not (Test-PfxReady -Path $PfxPath -Name $ServiceFqdn -Issuer $CaCommonName -Until $until -Secure $secure)) {
    $work = Join-Path $env:ProgramData 'CmgLab\cmg-certificate'
    New-Item -ItemType Directory -Path $work -Force | Out-Null
    if (-not (Get-CmgCertificate -Name $ServiceFqdn -Issuer $CaCommonName -Until $until)) {
        $inf = @(
            '[Version]'
            'Signature="$Windows NT$"'
            '[NewRequest]'
            "Subject = ""CN=$ServiceFqdn"""
            'KeyLength = 2048'
            'KeySpec = 1'
            'Exportable = TRUE'
            'MachineKeySet = TRUE'
            'ProviderName = "Microsoft RSA SChannel Cryptographic Provider"'
            'RequestType = PKCS10'
            'KeyUsage = 0xa0'
            '[EnhancedKeyUsageExtension]'
            'OID = 1.3.6.1.5.5.7.3.1'
            '[Extensions]'
            '2.5.29.17 = "{text}"'
            "_continue_ = ""dns=$ServiceFqdn"""
            '[RequestAttributes]'
            'CertificateTemplate = WebServer'
        )
        $infPath = Join-Path $work 'cmg.inf'
        $reqPath = Join-Path $work 'cmg.req'
        $cerPath = Join-Path $work 'cmg.cer'
        Set-Content -LiteralPath $infPath -Value $inf -Encoding ASCII
        Remove-Item -LiteralPath $reqPath, $cerPath, (Join-Path $work 'cmg.rsp') -ErrorAction SilentlyContinue
        & certreq.exe -q -new $infPath $reqPath | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "certreq -new failed with exit code $LASTEXITCODE" }
        & certreq.exe -q -submit -config $CaConfig $reqPath $cerPath | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "certreq -submit to $CaConfig failed with exit code $LASTEXITCODE (is the CA running, and may this account enroll from WebServer?)" }
        & certreq.exe -q -accept $cerPath | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "certreq -accept failed with exit code $LASTEXITCODE" }
    }
    $cert = Get-CmgCertificate -Name $ServiceFqdn -Issuer $CaCommonName -Until $until
    if (-not $cert) { throw "no certificate for CN=$ServiceFqdn from $CaCommonName with a private key, valid past $ExpiresOn, in LocalMachine\My" }
    New-Item -ItemType Directory -Path (Split-Path -Parent $PfxPath) -Force | Out-Null
    Export-PfxCertificate -Cert $cert -FilePath $PfxPath -Password $secure -ChainOption BuildChain -Force | Out-Null
}

if (-not (Test-PfxReady -Path $PfxPath -Name $ServiceFqdn -Issuer $CaCommonName -Until $until -Secure $secure)) {
    throw "the CMG PFX at $PfxPath is not usable (certificate for CN=$ServiceFqdn with its key and the CA chain)"
}
$final = Get-CmgCertificate -Name $ServiceFqdn -Issuer $CaCommonName -Until $until
Write-Output "CMG certificate CN=$ServiceFqdn (thumbprint $($final.Thumbprint), valid until $($final.NotAfter.ToString('yyyy-MM-dd'))) exported with its chain to $PfxPath"
exit 0
