<#
.SYNOPSIS
  Installs the Entra Connect Sync binaries from the MSI the user supplied: a private blob in the
  lab's resource group read with this VM's managed identity (cmg-lab:sync.msiFile, MsiAuth
  ManagedIdentity), or an https URL the user hosts (cmg-lab:sync.msiUrl, MsiAuth None).
  Idempotent: a server that already has Entra Connect is left alone.

  Before installing, the file must be a Windows Installer package signed by Microsoft Corporation
  whose ProductVersion is 2.5.79.0 or later: builds below 2.5.79.0 stop synchronizing after
  30 September 2026, and from 2.5.79.0 on the MSI is published only in the Microsoft Entra admin
  center (Learn "Harden update ... Entra Connect Sync"; entra-docs
  reference-connect-version-history.md).

  Microsoft's Entra Connect FAQ says an unattended, silent installation "isn't supported"
  (https://learn.microsoft.com/entra/identity/hybrid/connect/reference-connect-faq). Running the
  MSI with msiexec /qn, which lays down the binaries and the configuration wizard without
  configuring synchronization, is public lab practice (for example Microsoft's own
  microsoft/aad-hybrid-lab), not a documented route. The configuration itself is the one-time
  wizard (entra-connect-configure.ps1 waits for it).

  Managed identity: a token for https://storage.azure.com/ from the instance metadata endpoint
  (https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-to-use-vm-token),
  sent as a bearer token with x-ms-version 2017-11-09 or later, which Entra ID authorization of
  Blob requests needs (https://learn.microsoft.com/rest/api/storageservices/authorize-with-azure-active-directory).
  A new role assignment can take minutes to take effect
  (https://learn.microsoft.com/azure/role-based-access-control/troubleshooting): 403 and a failed
  token request are retried for up to $AccessWaitMinutes.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [AllowEmptyString()]
    [string] $MsiUrl,

    [Parameter(Mandatory = $true)]
    [ValidateSet('None', 'ManagedIdentity')]
    [string] $MsiAuth
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "entra-connect-install failed: $_" -ErrorAction Continue
    exit 1
}

$minimumVersion = [version] '2.5.79.0'
$adminCenter = 'the Microsoft Entra admin center (https://entra.microsoft.com: Entra Connect > Get started, or Manage > Download)'
$AccessWaitMinutes = 20
$pollSeconds = 30

# --- the MSI's source, checked before anything changes -------------------------------------------
if ($MsiUrl -eq '') {
    throw "MsiUrl is empty: no Entra Connect Sync MSI is configured. Download AzureADConnect.msi ($minimumVersion or later) from $adminCenter, set cmg-lab:sync.msiFile to its path in the project (or cmg-lab:sync.msiUrl to an https URL you host) and run pulumi up again"
}
$uri = $null
if (-not [System.Uri]::TryCreate($MsiUrl, [System.UriKind]::Absolute, [ref] $uri) -or $uri.Scheme -ne 'https') {
    throw 'MsiUrl is not an https URL (the value is not shown: it may carry a SAS token); check cmg-lab:sync.msiUrl'
}
# What may be printed: never the query (a SAS token).
$shownUrl = $uri.GetLeftPart([System.UriPartial]::Path)

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
        foreach ($p in @(Get-ItemProperty -Path "$root\*" -ErrorAction SilentlyContinue)) {
            if ($p.PSObject.Properties['DisplayName'] -and ($p.DisplayName -match '^Microsoft (Azure AD|Entra) Connect( Sync)?$')) { return $true }
        }
    }
    return $false
}

function Read-FileHeader {
    # Thin wrapper around a .NET file read (the first bytes of the download).
    param(
        [string] $Path
    )
    $stream = [System.IO.File]::OpenRead($Path)
    try {
        $header = New-Object byte[] 8
        $read = $stream.Read($header, 0, 8)
        if ($read -le 0) { return }
        return $header[0..($read - 1)]
    } finally {
        $stream.Close()
    }
}

function Get-MsiProductVersion {
    # Thin wrapper around the WindowsInstaller COM object: the Property table's ProductVersion.
    param(
        [string] $Path
    )
    $installer = New-Object -ComObject WindowsInstaller.Installer
    $database = $installer.GetType().InvokeMember('OpenDatabase', 'InvokeMethod', $null, $installer, @($Path, 0))
    $view = $database.GetType().InvokeMember('OpenView', 'InvokeMethod', $null, $database, @("SELECT ``Value`` FROM ``Property`` WHERE ``Property`` = 'ProductVersion'"))
    [void] $view.GetType().InvokeMember('Execute', 'InvokeMethod', $null, $view, $null)
    $record = $view.GetType().InvokeMember('Fetch', 'InvokeMethod', $null, $view, $null)
    $value = if ($null -ne $record) { $record.GetType().InvokeMember('StringData', 'GetProperty', $null, $record, 1) } else { $null }
    [void] $view.GetType().InvokeMember('Close', 'InvokeMethod', $null, $view, $null)
    [void] [System.Runtime.InteropServices.Marshal]::ReleaseComObject($view)
    [void] [System.Runtime.InteropServices.Marshal]::ReleaseComObject($database)
    [void] [System.Runtime.InteropServices.Marshal]::ReleaseComObject($installer)
    return $value
}

function Get-HttpStatusCode {
    # The HTTP status of a failed web request: WebException (Windows PowerShell 5.1) and
    # HttpResponseException (PowerShell 7) both carry it as Exception.Response.StatusCode.
    param(
        [System.Management.Automation.ErrorRecord] $ErrorRecord
    )
    $exception = $ErrorRecord.Exception
    if ($null -ne $exception -and $exception.PSObject.Properties['Response'] -and $null -ne $exception.Response) {
        return [int] $exception.Response.StatusCode
    }
    return 0
}

function Get-StorageToken {
    # Managed identity token for Azure Storage from the instance metadata endpoint (IMDS).
    $imds = 'http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://storage.azure.com/'
    $response = Invoke-RestMethod -Uri $imds -Headers @{ Metadata = 'true' } -Method Get -UseBasicParsing
    if ($null -eq $response -or -not $response.PSObject.Properties['access_token'] -or [string]::IsNullOrEmpty($response.access_token)) {
        throw 'the instance metadata endpoint returned no access_token'
    }
    return [string] $response.access_token
}

function Save-MsiWithManagedIdentity {
    $deadline = (Get-Date).AddMinutes($AccessWaitMinutes)
    $attempt = 0
    while ($true) {
        $attempt++
        $problem = $null
        $token = $null
        try {
            $token = Get-StorageToken
        } catch {
            # Right after the identity is enabled IMDS may not serve it yet: retried.
            $problem = "no managed identity token yet ($($_.Exception.Message))"
        }
        if ($null -ne $token) {
            try {
                Invoke-WebRequest -Uri $MsiUrl -OutFile $msi -UseBasicParsing -Headers @{ Authorization = "Bearer $token"; 'x-ms-version' = '2017-11-09' }
                Write-Output "Downloaded $shownUrl with the VM's managed identity (attempt $attempt)"
                return
            } catch {
                $status = Get-HttpStatusCode -ErrorRecord $_
                if ($status -ne 403) {
                    $code = if ($status -ne 0) { "HTTP $status" } else { $_.Exception.Message }
                    throw "downloading $shownUrl failed ($code). pulumi up writes the blob from cmg-lab:sync.msiFile; check that it exists in the lab's storage account"
                }
                $problem = "403 Forbidden from $shownUrl"
            }
        }
        if ((Get-Date) -ge $deadline) {
            throw "SYNC01 still cannot read $shownUrl after $AccessWaitMinutes minutes: $problem. The 'Storage Blob Data Reader' role of SYNC01's managed identity on the container has not taken effect (or was removed), or the VM has no system-assigned identity; check both in the Azure portal and run pulumi up again"
        }
        Write-Output "Waiting for access to the MSI blob: $problem (role assignments can take minutes to take effect); retrying in $pollSeconds seconds"
        Start-Sleep -Seconds $pollSeconds
    }
}

if (Test-EntraConnectInstalled) {
    Write-Output 'Entra Connect is already installed'
    exit 0
}

if (-not (Test-Path -Path $workDir)) { New-Item -Path $workDir -ItemType Directory -Force | Out-Null }
[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12
$ProgressPreference = 'SilentlyContinue'
if ($MsiAuth -eq 'ManagedIdentity') {
    Save-MsiWithManagedIdentity
} else {
    Write-Output "Downloading $shownUrl"
    try {
        Invoke-WebRequest -Uri $MsiUrl -OutFile $msi -UseBasicParsing
    } catch {
        $status = Get-HttpStatusCode -ErrorRecord $_
        $code = if ($status -ne 0) { "HTTP $status" } else { $_.Exception.Message }
        throw "downloading $shownUrl failed ($code); check cmg-lab:sync.msiUrl (a SAS token may have expired), or use cmg-lab:sync.msiFile"
    }
}

# --- what was downloaded: a Microsoft-signed MSI of a supported version --------------------------
$header = @(Read-FileHeader -Path $msi)
$ole = @(0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1)
$isMsi = $header.Count -eq 8
for ($i = 0; $isMsi -and $i -lt 8; $i++) { if ($header[$i] -ne $ole[$i]) { $isMsi = $false } }
if (-not $isMsi) {
    throw "$shownUrl did not deliver a Windows Installer package (a sign-in page or a notice?). Download AzureADConnect.msi from $adminCenter and set cmg-lab:sync.msiFile"
}
$signature = Get-AuthenticodeSignature -FilePath $msi
if (-not (($signature.Status -eq 'Valid') -and ($signature.SignerCertificate.Subject -match 'O=Microsoft Corporation'))) {
    throw "$shownUrl delivered an MSI that is not validly signed by Microsoft Corporation (signature status: $($signature.Status)). Download AzureADConnect.msi from $adminCenter and set cmg-lab:sync.msiFile"
}
$found = [string] (Get-MsiProductVersion -Path $msi)
$version = $null
if (-not [System.Version]::TryParse($found.Trim(), [ref] $version)) {
    throw "the MSI from $shownUrl has no readable ProductVersion (found '$found'); it is not an Entra Connect Sync installer. Download AzureADConnect.msi from $adminCenter"
}
if ($version -lt $minimumVersion) {
    throw "the MSI from $shownUrl is Entra Connect Sync $found, older than ${minimumVersion}: builds below $minimumVersion stop synchronizing after 30 September 2026. Download the current AzureADConnect.msi from $adminCenter and set cmg-lab:sync.msiFile to it"
}
Write-Output "Entra Connect Sync $found, signed by Microsoft Corporation"

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
Write-Output "Entra Connect $found binaries installed; the configuration is checked by entra-connect-configure.ps1"
exit 0
