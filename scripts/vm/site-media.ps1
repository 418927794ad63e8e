<#
.SYNOPSIS
  Downloads every medium the ConfigMgr site server needs into a local folder, as early as the VM
  exists (before the domain join): SQL Server 2022 (CAB media, extracted), the Windows ADK and
  the WinPE add-on (offline layouts), the ConfigMgr evaluation media (extracted) and setup's
  prerequisite files (setupdl.exe). Idempotent: a medium whose ready marker names the same URL is
  skipped, so a rerun resumes where it stopped.

  The SQL Server medium is optional: without SqlUrl (or with it empty) it is not downloaded, for a
  site server built from the SQL Server marketplace image (site-sql-image.ps1 configures that
  SQL Server); SqlDownloadMinutes is then accepted and unused.

  Checks: no hash is published for these downloads, so each downloaded program must carry a valid
  Authenticode signature from Microsoft Corporation, and large payloads must have a minimum size.

  DNS: the VNet's DNS server is the domain controller, which answers only once the forest exists.
  So that the downloads start as soon as the VM exists, the script points this VM's network
  interface at Azure DNS (168.63.129.16) while internet names do not resolve, and hands the
  interface back to DHCP (the VNet's DNS, the DC) when it is done, success or failure, before
  anything on this VM joins the domain. domain-join.ps1 checks that hand-back again.

  Rounds: one run command may not run past 90 minutes, so the step runs this script twice; the
  second run finds the media ready and ends at once when the first finished them. A round that is
  not the last starts no new medium after StartBudgetMinutes (a medium already started must still
  finish within the run command's timeout): it hands DNS back and ends with exit 0, and the next
  round resumes with the first medium not yet ready.

  Time limits: the SQL Server download bootstrapper is stopped after SqlDownloadMinutes (a single
  2026 community report says it may hang without a UI: UNCONFIRMED, the limit costs nothing when
  it does not), the ConfigMgr self-extractor after 20 minutes.

  setupdl.exe writes its download results to C:\ConfigMgrSetup.log, the file ConfigMgr setup
  logs to: the log is moved to <MediaRoot>\ConfigMgr\setupdl.log once the download is done, so
  site-install.ps1 never reads it as a setup that began and died.
  Source: https://learn.microsoft.com/mem/configmgr/core/servers/deploy/install/setup-downloader

  Timing lines: the plan's 35 minutes for this step (stacks/model/durations.ts) is an estimate, and
  splitting it per medium (so that the ADK installs while the ConfigMgr media still download) needs
  measured figures. They come from a real build's output (az vm run-command show ...
  --instance-view), in a fixed format (invariant culture: a dot on every Windows):
    site-media timing: <name> ready in <m.m> min, <n> MB on disk
  for each medium this run worked on (<name> as in its ready marker; minutes from this run starting
  it to its ready marker; the size of its folder, rounded),
    site-media timing: <name> already ready
  for one found ready (no line for a skipped SQL Server medium), and, when this run worked on a
  medium and all are ready,
    site-media timing: all media ready in <m.m> min this run
  (from the script's start, so the DNS wait counts; a round timed per round).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $MediaRoot,

    [Parameter(Mandatory = $false)]
    [AllowEmptyString()]
    [ValidatePattern('^$|^https://')]
    [string] $SqlUrl = '',

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^https://')]
    [string] $AdkUrl,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^https://')]
    [string] $WinPeUrl,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^https://')]
    [string] $ConfigMgrUrl,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[0-9]+$')]
    [string] $DnsWaitMinutes,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[0-9]+$')]
    [string] $StartBudgetMinutes,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[0-9]+$')]
    [string] $SqlDownloadMinutes,

    [Parameter(Mandatory = $true)]
    [ValidateSet('true', 'false')]
    [string] $LastRound
)

$ErrorActionPreference = 'Stop'
# Azure's recursive resolver, reachable from every VM (https://learn.microsoft.com/azure/virtual-network/what-is-ip-address-168-63-129-16).
$AzureDns = '168.63.129.16'
trap {
    Write-Error -Message "site-media failed: $_" -ErrorAction Continue
    # Never leave the interface on Azure DNS: the domain join would not find the domain.
    try {
        if (Test-AzureDnsOverride) { Set-DnsClientServerAddress -InterfaceIndex (Get-PrimaryInterfaceIndex) -ResetServerAddresses }
    } catch {
        Write-Warning "could not hand DNS back to DHCP: $_ (domain-join.ps1 does it before joining)"
    }
    exit 1
}

#include lib/primary-nic.ps1

function Test-AzureDnsOverride {
    $servers = (Get-DnsClientServerAddress -InterfaceIndex (Get-PrimaryInterfaceIndex) -AddressFamily IPv4).ServerAddresses
    return (@($servers) -contains $AzureDns)
}

$roundStart = Get-Date

function Test-RoundOver {
    return ($LastRound -ne 'true') -and (((Get-Date) - $roundStart).TotalMinutes -gt [int] $StartBudgetMinutes)
}

function Exit-Round {
    param(
        [string] $Next
    )
    if (Test-AzureDnsOverride) { Set-DnsClientServerAddress -InterfaceIndex (Get-PrimaryInterfaceIndex) -ResetServerAddresses }
    Write-Output "This round has run $StartBudgetMinutes minutes; the next round continues with $Next"
    exit 0
}

function Resolve-HostAddress {
    # Only the resolver call (tests replace it).
    param(
        [string] $HostName
    )
    return [System.Net.Dns]::GetHostAddresses($HostName)
}

function Test-InternetName {
    param(
        [string] $Url
    )
    try {
        return (@(Resolve-HostAddress -HostName ([uri] $Url).Host).Count -gt 0)
    } catch {
        return $false
    }
}

function Test-SignedByMicrosoft {
    param(
        [string] $Path
    )
    if (-not (Test-Path -LiteralPath $Path)) { return $false }
    $sig = Get-AuthenticodeSignature -FilePath $Path
    return ($sig.Status -eq 'Valid') -and ($sig.SignerCertificate.Subject -match 'O=Microsoft Corporation')
}

function Test-MediumReady {
    param(
        [string] $Name,
        [string] $Url,
        [string] $KeyFile
    )
    $marker = Join-Path $MediaRoot "$Name.ready"
    if (-not (Test-Path -LiteralPath $marker)) { return $false }
    if ((Get-Content -LiteralPath $marker -Raw).Trim() -ne $Url) { return $false }
    return (Test-SignedByMicrosoft -Path $KeyFile)
}

function Save-Download {
    param(
        [string] $Url,
        [string] $Path,
        [long] $MinBytes
    )
    $dir = Split-Path -Parent $Path
    if (-not (Test-Path -LiteralPath $dir)) { New-Item -ItemType Directory -Path $dir -Force | Out-Null }
    for ($attempt = 1; $attempt -le 4; $attempt++) {
        try {
            Write-Output "Downloading $Url (attempt $attempt)"
            Invoke-WebRequest -Uri $Url -OutFile $Path -UseBasicParsing
            break
        } catch {
            if ($attempt -eq 4) { throw "download of $Url failed: $_" }
            Start-Sleep -Seconds (30 * $attempt)
        }
    }
    $size = (Get-Item -LiteralPath $Path).Length
    if ($size -lt $MinBytes) { throw "$Path from $Url is $size bytes, expected at least $MinBytes" }
    if (-not (Test-SignedByMicrosoft -Path $Path)) { throw "$Path from $Url is not signed by Microsoft Corporation" }
}

function Invoke-Program {
    param(
        [string] $FilePath,
        [string[]] $Arguments,
        [string] $What
    )
    Write-Output "$What`: $FilePath $($Arguments -join ' ')"
    $p = Start-Process -FilePath $FilePath -ArgumentList $Arguments -Wait -PassThru -NoNewWindow
    if (($p.ExitCode -ne 0) -and ($p.ExitCode -ne 3010)) { throw "$What exited with code $($p.ExitCode)" }
}

function Invoke-ProgramBounded {
    param(
        [string] $FilePath,
        [string[]] $Arguments,
        [string] $WorkingDirectory,
        [int] $TimeoutMinutes,
        [string] $What,
        [string] $Hint
    )
    Write-Output "$What`: $FilePath $($Arguments -join ' ')"
    # Without -NoNewWindow, so that ExitCode is set once the process ends (PowerShell 5.1); a
    # program that waits for input in this session without a desktop is stopped, not waited on.
    $p = Start-Process -FilePath $FilePath -ArgumentList $Arguments -WorkingDirectory $WorkingDirectory -PassThru
    # Windows PowerShell 5.1 reports ExitCode only for a process whose handle it took while it ran.
    $null = $p.Handle
    $deadline = (Get-Date).AddMinutes($TimeoutMinutes)
    while (-not $p.HasExited) {
        if ((Get-Date) -gt $deadline) {
            Stop-Process -Id $p.Id -Force -ErrorAction SilentlyContinue
            throw "$What did not finish within $TimeoutMinutes minutes and was stopped (process $($p.Id)); $Hint"
        }
        Start-Sleep -Seconds 15
    }
    $p.WaitForExit()
    if (($p.ExitCode -ne 0) -and ($p.ExitCode -ne 3010)) { throw "$What exited with code $($p.ExitCode)" }
}

function Find-ExtractedSetup {
    # Reads only: ConfigMgr's setup.exe wherever the extraction put it under the media folder.
    return (Get-ChildItem -LiteralPath $cmMedia -Recurse -Filter 'setup.exe' -ErrorAction SilentlyContinue |
            Where-Object { $_.FullName -match '[\\/]SMSSETUP[\\/]BIN[\\/]X64[\\/]setup\.exe$' } | Select-Object -First 1)
}

function Expand-ZipFile {
    # Only the .NET call (Expand-Archive in PowerShell 5.1 refuses a file not named .zip).
    param(
        [string] $Path,
        [string] $Destination
    )
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    [System.IO.Compression.ZipFile]::ExtractToDirectory($Path, $Destination)
}

function Get-FolderMegabytes {
    # Reads only: the size of a medium's folder, for its timing line.
    param(
        [string] $Path
    )
    $sum = (Get-ChildItem -LiteralPath $Path -Recurse -File -ErrorAction SilentlyContinue | Measure-Object -Property Length -Sum).Sum
    return [long] [math]::Round(([double] $sum) / 1048576, [System.MidpointRounding]::AwayFromZero)
}

function Write-MediumTiming {
    # One line per medium in a fixed format (see .SYNOPSIS); invariant culture, so a dot everywhere.
    param(
        [string] $Name,
        [datetime] $Started,
        [string] $Folder
    )
    $minutes = ((Get-Date) - $Started).TotalMinutes
    Write-Output ([string]::Format([System.Globalization.CultureInfo]::InvariantCulture, 'site-media timing: {0} ready in {1:0.0} min, {2} MB on disk', $Name, $minutes, (Get-FolderMegabytes -Path $Folder)))
}

function Set-MediumReady {
    param(
        [string] $Name,
        [string] $Url
    )
    Set-Content -LiteralPath (Join-Path $MediaRoot "$Name.ready") -Value $Url -Encoding ASCII
}

$ProgressPreference = 'SilentlyContinue'
[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12

$sqlDir = Join-Path $MediaRoot 'Sql'
$sqlSetup = Join-Path $sqlDir 'Setup\setup.exe'
$adkDir = Join-Path $MediaRoot 'Adk'
$adkSetup = Join-Path $adkDir 'Layout\adksetup.exe'
$winPeDir = Join-Path $MediaRoot 'WinPE'
$winPeSetup = Join-Path $winPeDir 'Layout\adkwinpesetup.exe'
$cmDir = Join-Path $MediaRoot 'ConfigMgr'
$cmMedia = Join-Path $cmDir 'Media'
$cmPrereqs = Join-Path $cmDir 'Prereqs'
$workedOn = 0   # media this run worked on (the total is printed only then)

# Before the forest exists the VNet's DNS server (the DC) does not answer: use Azure DNS on this
# interface for the downloads only (handed back below), then wait, bounded, for name resolution.
if (-not (Test-InternetName -Url $ConfigMgrUrl)) {
    Write-Output "Internet names do not resolve through the VNet's DNS yet: using Azure DNS ($AzureDns) for the downloads"
    Set-DnsClientServerAddress -InterfaceIndex (Get-PrimaryInterfaceIndex) -ServerAddresses $AzureDns
}
$deadline = (Get-Date).AddMinutes([int] $DnsWaitMinutes)
while (-not (Test-InternetName -Url $ConfigMgrUrl)) {
    if ((Get-Date) -gt $deadline) {
        throw "internet names did not resolve within $DnsWaitMinutes minutes, even through Azure DNS: check the VM's outbound internet access"
    }
    Start-Sleep -Seconds 30
}

if (-not $SqlUrl) {
    Write-Output 'SQL Server media skipped: no SqlUrl given (SQL Server comes pre-installed with the site server''s image)'
} elseif (-not (Test-MediumReady -Name 'sql' -Url $SqlUrl -KeyFile $sqlSetup)) {
    $started = Get-Date
    $bootstrapper = Join-Path $sqlDir 'SQL2022-SSEI.exe'
    Save-Download -Url $SqlUrl -Path $bootstrapper -MinBytes 1048576
    $cab = Join-Path $sqlDir 'Cab'
    Invoke-ProgramBounded -FilePath $bootstrapper -Arguments @('/ACTION=Download', "/MEDIAPATH=$cab", '/MEDIATYPE=CAB', '/QUIET') -WorkingDirectory $sqlDir -TimeoutMinutes ([int] $SqlDownloadMinutes) -What 'SQL Server media download' -Hint 'the bootstrapper may hang without a desktop session: run pulumi up again to retry this medium, or set cmg-lab:site.media.sqlUrl to another SQL Server 2022 bootstrapper'
    $package = Get-ChildItem -LiteralPath $cab -Filter 'SQLServer2022-*x64-*.exe' | Select-Object -First 1
    if ($null -eq $package) { throw "the SQL Server bootstrapper left no SQLServer2022-*.exe in $cab" }
    if (-not (Test-SignedByMicrosoft -Path $package.FullName)) { throw "$($package.FullName) is not signed by Microsoft Corporation" }
    $box = Get-ChildItem -LiteralPath $cab -Filter '*.box' | Select-Object -First 1
    if (($null -eq $box) -or ($box.Length -lt 524288000)) { throw "the SQL Server CAB payload in $cab is missing or smaller than 500 MB" }
    Invoke-Program -FilePath $package.FullName -Arguments @('/q', "/x:$(Join-Path $sqlDir 'Setup')") -What 'SQL Server media extraction'
    Set-MediumReady -Name 'sql' -Url $SqlUrl
    Write-MediumTiming -Name 'sql' -Started $started -Folder $sqlDir
    $workedOn++
} else {
    Write-Output 'site-media timing: sql already ready'
}

if (Test-RoundOver) { Exit-Round -Next 'ADK' }
if (-not (Test-MediumReady -Name 'adk' -Url $AdkUrl -KeyFile $adkSetup)) {
    $started = Get-Date
    $bootstrapper = Join-Path $adkDir 'adksetup.exe'
    Save-Download -Url $AdkUrl -Path $bootstrapper -MinBytes 1048576
    Invoke-Program -FilePath $bootstrapper -Arguments @('/quiet', '/layout', (Join-Path $adkDir 'Layout'), '/ceip', 'off') -What 'Windows ADK layout'
    Set-MediumReady -Name 'adk' -Url $AdkUrl
    Write-MediumTiming -Name 'adk' -Started $started -Folder $adkDir
    $workedOn++
} else {
    Write-Output 'site-media timing: adk already ready'
}

if (Test-RoundOver) { Exit-Round -Next 'the Windows PE add-on' }
if (-not (Test-MediumReady -Name 'winpe' -Url $WinPeUrl -KeyFile $winPeSetup)) {
    $started = Get-Date
    $bootstrapper = Join-Path $winPeDir 'adkwinpesetup.exe'
    Save-Download -Url $WinPeUrl -Path $bootstrapper -MinBytes 1048576
    Invoke-Program -FilePath $bootstrapper -Arguments @('/quiet', '/layout', (Join-Path $winPeDir 'Layout'), '/ceip', 'off') -What 'Windows PE add-on layout'
    Set-MediumReady -Name 'winpe' -Url $WinPeUrl
    Write-MediumTiming -Name 'winpe' -Started $started -Folder $winPeDir
    $workedOn++
} else {
    Write-Output 'site-media timing: winpe already ready'
}

if (Test-RoundOver) { Exit-Round -Next 'the ConfigMgr media' }
$cmSetup = Join-Path $cmMedia 'SMSSETUP\BIN\X64\setup.exe'
if (-not (Test-MediumReady -Name 'configmgr' -Url $ConfigMgrUrl -KeyFile $cmSetup)) {
    $started = Get-Date
    # Extracted media from an earlier run that stopped before the prerequisites are kept.
    if (-not (Test-SignedByMicrosoft -Path $cmSetup)) {
        $archive = Join-Path $cmDir 'ConfigMgr_Eval.exe'
        Save-Download -Url $ConfigMgrUrl -Path $archive -MinBytes 524288000
        # A partial extraction is removed first: extracting or moving folders onto it fails.
        if (Test-Path -LiteralPath $cmMedia) { Remove-Item -LiteralPath $cmMedia -Recurse -Force }
        New-Item -ItemType Directory -Path $cmMedia -Force | Out-Null
        # The evaluation download is a self-extracting archive. Its silent switches are not
        # documented (UNCONFIRMED: -d<folder> -s1 as used by lab builders); fall back to reading it
        # as a zip.
        try {
            Invoke-ProgramBounded -FilePath $archive -Arguments @("-d`"$cmMedia`"", '-s1') -WorkingDirectory $cmMedia -TimeoutMinutes 20 -What 'ConfigMgr media extraction' -Hint 'the archive is read as a zip instead'
        } catch {
            # Not fatal: the zip reading below is the fallback for media whose extractor differs.
            Write-Warning "the self-extractor did not run silently ($_); reading the archive as a zip instead"
        }
        $found = Find-ExtractedSetup
        if ($null -eq $found) {
            Get-ChildItem -LiteralPath $cmMedia | Remove-Item -Recurse -Force
            Expand-ZipFile -Path $archive -Destination $cmMedia
            $found = Find-ExtractedSetup
        }
        if ($null -eq $found) { throw "no SMSSETUP\BIN\X64\setup.exe in the extracted ConfigMgr media ($cmMedia)" }
        if ($found.FullName -ne $cmSetup) {
            # Some media extract into a versioned subfolder: move its content up so the path is fixed.
            $top = $found.Directory.Parent.Parent.Parent.FullName
            Get-ChildItem -LiteralPath $top | Move-Item -Destination $cmMedia -Force
        }
    }
    # Setup Downloader: https://learn.microsoft.com/mem/configmgr/core/servers/deploy/install/setup-downloader
    $setupDl = Join-Path $cmMedia 'SMSSETUP\BIN\X64\setupdl.exe'
    Invoke-Program -FilePath $setupDl -Arguments @('/NOUI', $cmPrereqs) -What 'ConfigMgr prerequisite download'
    # setupdl.exe logs to C:\ConfigMgrSetup.log, setup's own log file: moved aside so that
    # site-install.ps1 does not take it for a setup that began and died.
    $downloaderLog = Join-Path $env:SystemDrive 'ConfigMgrSetup.log'
    if (Test-Path -LiteralPath $downloaderLog) { Move-Item -LiteralPath $downloaderLog -Destination (Join-Path $cmDir 'setupdl.log') -Force }
    if (@(Get-ChildItem -LiteralPath $cmPrereqs -File).Count -lt 10) { throw "setupdl.exe left fewer than 10 files in $cmPrereqs" }
    Set-MediumReady -Name 'configmgr' -Url $ConfigMgrUrl
    Write-MediumTiming -Name 'configmgr' -Started $started -Folder $cmDir
    $workedOn++
} else {
    Write-Output 'site-media timing: configmgr already ready'
}

# Hand the interface back to DHCP (the VNet's DNS: the DC) before anything joins the domain.
if (Test-AzureDnsOverride) {
    Set-DnsClientServerAddress -InterfaceIndex (Get-PrimaryInterfaceIndex) -ResetServerAddresses
}
if (Test-AzureDnsOverride) { throw "this VM still uses Azure DNS ($AzureDns); it would not find the domain" }

# Read back: every medium is marked ready for its URL and its setup program is signed (SQL Server's
# only when it was asked for).
if (-not (((-not $SqlUrl) -or (Test-MediumReady -Name 'sql' -Url $SqlUrl -KeyFile $sqlSetup)) -and
        (Test-MediumReady -Name 'adk' -Url $AdkUrl -KeyFile $adkSetup) -and
        (Test-MediumReady -Name 'winpe' -Url $WinPeUrl -KeyFile $winPeSetup) -and
        (Test-MediumReady -Name 'configmgr' -Url $ConfigMgrUrl -KeyFile $cmSetup))) {
    throw "the site media in $MediaRoot are incomplete"
}
if ($workedOn -gt 0) {
    Write-Output ([string]::Format([System.Globalization.CultureInfo]::InvariantCulture, 'site-media timing: all media ready in {0:0.0} min this run', ((Get-Date) - $roundStart).TotalMinutes))
}
Write-Output "Site media ready in $MediaRoot"
exit 0
