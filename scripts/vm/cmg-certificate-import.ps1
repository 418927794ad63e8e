<#
.SYNOPSIS
  Puts a supplied CMG certificate (a PFX from the stack config, checked at plan time by
  stacks/config/pfx-check.ts) on the site server for New-CMCloudManagementGateway. The PFX arrives
  base64-encoded as a protected parameter and is written to PfxPath as it is (it stays
  encrypted with its own password); the script checks that it opens with the password and holds
  a certificate with its private key. Idempotent: an identical file is left alone.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $PfxPath,

    [Parameter(Mandatory = $true)]
    [string] $CmgPfxBase64,

    [Parameter(Mandatory = $true)]
    [string] $PfxPassword
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "cmg-certificate-import failed: $_" -ErrorAction Continue
    exit 1
}

function Test-PfxInPlace {
    param(
        [string] $Path,
        [byte[]] $Expected,
        [securestring] $Secure
    )
    if (-not (Test-Path -LiteralPath $Path)) { return $false }
    $current = [System.IO.File]::ReadAllBytes($Path)
    if ([Convert]::ToBase64String($current) -ne [Convert]::ToBase64String($Expected)) { return $false }
    try {
        $collection = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2Collection
        $collection.Import($Path, [System.Net.NetworkCredential]::new('', $Secure).Password, 'EphemeralKeySet')
        return ($null -ne ($collection | Where-Object { $_.HasPrivateKey }))
    } catch {
        return $false
    }
}

try {
    $bytes = [Convert]::FromBase64String($CmgPfxBase64)
} catch {
    # The value itself is not echoed: it is the (encrypted) certificate.
    throw 'CmgPfxBase64 is not base64: send the PFX file''s bytes base64-encoded (components/cmg-certificate.ts)'
}
$secure = ConvertTo-SecureString -String $PfxPassword -AsPlainText -Force
if (-not (Test-PfxInPlace -Path $PfxPath -Expected $bytes -Secure $secure)) {
    New-Item -ItemType Directory -Path (Split-Path -Parent $PfxPath) -Force | Out-Null
    [System.IO.File]::WriteAllBytes($PfxPath, $bytes) | Out-Null
}
if (-not (Test-PfxInPlace -Path $PfxPath -Expected $bytes -Secure $secure)) { throw "the PFX at $PfxPath does not open with its password or holds no private key" }
Write-Output "CMG PFX in place at $PfxPath"
exit 0
