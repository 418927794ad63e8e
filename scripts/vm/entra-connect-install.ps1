<#
.SYNOPSIS
  Installs the Entra Connect Sync binaries unattended from the configured download URL
  (cmg-lab:sync.downloadUrl). Microsoft documents only this part as unattended: the MSI lays
  down the binaries and the configuration wizard; it does not configure synchronization
  (https://learn.microsoft.com/entra/identity/hybrid/connect/reference-connect-faq). Idempotent:
  a server that already has Entra Connect (or an already configured sync engine) is left alone.

  The file must be a Windows Installer package with a valid Authenticode signature by Microsoft
  Corporation before it runs: since mid-2025 new builds are published only in the Microsoft Entra
  admin center, and the old Download Center link may serve a notice instead of the MSI.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $DownloadUrl
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "entra-connect-install failed: $_" -ErrorAction Continue
    exit 1
}

$workDir = Join-Path -Path $env:ProgramData -ChildPath 'cmg-lab\entra-connect'
$msi = Join-Path -Path $workDir -ChildPath 'AzureADConnect.msi'
$log = Join-Path -Path $workDir -ChildPath 'AzureADConnect-install.log'

function Test-EntraConnectInstalled {
    # The MSI registers the wizard product; the wizard later adds the ADSync service. Product
    # names seen: "Microsoft Azure AD Connect" (2.x); "Microsoft Entra Connect" for renamed builds.
    if ($null -ne (Get-Service -Name ADSync -ErrorAction SilentlyContinue)) { return $true }
    $roots = @(
        'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall',
        'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall'
    )
    foreach ($root in $roots) {
        $products = Get-ChildItem -Path $root -ErrorAction SilentlyContinue | Get-ItemProperty -ErrorAction SilentlyContinue
        foreach ($p in $products) {
            if ($p.DisplayName -match '^Microsoft (Azure AD|Entra) Connect( Sync)?$') { return $true }
        }
    }
    return $false
}

function Test-MicrosoftSignedMsi {
    param(
        [string] $Path
    )
    if (-not (Test-Path -Path $Path)) { return $false }
    # Windows Installer packages are OLE compound files: D0 CF 11 E0 A1 B1 1A E1.
    $stream = [System.IO.File]::OpenRead($Path)
    try {
        $header = New-Object byte[] 8
        [void] $stream.Read($header, 0, 8)
    } finally {
        $stream.Close()
    }
    if (($header[0] -ne 0xD0) -or ($header[1] -ne 0xCF) -or ($header[2] -ne 0x11) -or ($header[3] -ne 0xE0)) { return $false }
    $signature = Get-AuthenticodeSignature -FilePath $Path
    return ($signature.Status -eq 'Valid') -and ($signature.SignerCertificate.Subject -match 'O=Microsoft Corporation')
}

if (Test-EntraConnectInstalled) {
    Write-Output 'Entra Connect is already installed'
    exit 0
}

if (-not (Test-Path -Path $workDir)) { New-Item -Path $workDir -ItemType Directory -Force | Out-Null }
[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12
Write-Output "Downloading $DownloadUrl"
$ProgressPreference = 'SilentlyContinue'
Invoke-WebRequest -Uri $DownloadUrl -OutFile $msi -UseBasicParsing

if (-not (Test-MicrosoftSignedMsi -Path $msi)) {
    throw "$DownloadUrl did not deliver a Windows Installer package signed by Microsoft Corporation (new Entra Connect Sync builds are published only in the Microsoft Entra admin center > Entra Connect > Connect Sync). Download the MSI there, put it where SYNC01 can read it (for example a storage blob with a read-only SAS URL) and set cmg-lab:sync.downloadUrl to that https URL"
}

Write-Output 'Installing the Entra Connect binaries (msiexec /qn)'
# Wait for msiexec alone: Start-Process -Wait would also wait for anything the package starts.
$process = Start-Process -FilePath 'msiexec.exe' -ArgumentList @('/i', "`"$msi`"", '/qn', '/norestart', '/l*v', "`"$log`"") -PassThru
$process.WaitForExit()
# A configuration wizard started by the package in the service session would hold the wizard's
# single-instance lock when the admin opens it on the desktop.
Get-Process -Name AzureADConnect -ErrorAction SilentlyContinue | Where-Object { $_.SessionId -eq 0 } | Stop-Process -Force
if (($process.ExitCode -ne 0) -and ($process.ExitCode -ne 3010)) {
    throw "msiexec exited with $($process.ExitCode); see $log"
}

if (-not (Test-EntraConnectInstalled)) {
    throw "msiexec succeeded but no Entra Connect product is registered; see $log"
}
Write-Output 'Entra Connect binaries installed; the configuration is checked by entra-connect-configure.ps1'
exit 0
