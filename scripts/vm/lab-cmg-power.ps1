<#
.SYNOPSIS
  Stops or starts the lab's cloud management gateway from the site, for npm run pause (stop) and
  npm run resume (start). Sent by scripts/cli/lab-power.ts with az vm run-command invoke (not by a
  Pulumi run command), so it runs as LocalSystem on the site server.

  First waits until AD answers (a domain controller of the computer's domain is found) and
  SMS_EXECUTIVE runs: on a resume the VMs have just booted. Then:
  - stop: a CMG that is not stopped or stopping gets Stop-CMCloudManagementGateway; the script
    waits until the site shows it stopped, so pause never deallocates the site server while the
    stop is still pending (the CMG would keep running and billing).
  - start: a stopped CMG gets Start-CMCloudManagementGateway; the script waits until it is ready.
  Idempotent: a CMG already stopped (stop) or ready (start) is left alone.

  Ready: State 0 with StatusDetails 1. Microsoft documents no meaning for State; the one public
  unattended CMG script waits for exactly that (TomDegreef/SuperChargedIntune Configure-CMG.ps1),
  and a missing value is never 0 (see scripts/vm/cmg-create.ps1).
  Stopped: State 6, stopping 5 (UNCONFIRMED: from a community script's state table, Nickolaj
  Andersen's Set-CMCloudManagementGatewayState.ps1; Microsoft documents no values). The output
  always shows the State and StatusDetails seen, so a first real run tells.
  Rights: whether LocalSystem on the site server holds the ConfigMgr rights these cmdlets need is
  UNCONFIRMED (the domain admin who installed the site is its Full Administrator); a denial fails
  with what to do instead.
  Cmdlets: the InputObject pipeline form, as the examples on their pages show:
  https://learn.microsoft.com/powershell/module/configurationmanager/stop-cmcloudmanagementgateway
  https://learn.microsoft.com/powershell/module/configurationmanager/start-cmcloudmanagementgateway
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [ValidateSet('stop', 'start')]
    [string] $Action,

    [Parameter(Mandatory = $true)]
    [string] $SiteCode,

    [Parameter(Mandatory = $true)]
    [string] $CmgFqdn,

    [Parameter(Mandatory = $true)]
    [string] $WaitMinutes
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "lab-cmg-power failed: $_" -ErrorAction Continue
    exit 1
}

#include lib/configmgr-site.ps1
#include lib/cmg-status.ps1

$StoppedState = 6
$StoppingState = 5
$RightsHint = 'The run command runs as LocalSystem, and whether LocalSystem holds these ConfigMgr rights is UNCONFIRMED. If access was denied: sign in to CM01 as the lab admin (Bastion) and run this in the ConfigMgr console''s PowerShell'

function Get-DomainControllerName {
    # .NET, Windows only (kept alone so the tests can replace it): a DC of this computer's domain.
    return [System.DirectoryServices.ActiveDirectory.Domain]::GetComputerDomain().FindDomainController().Name
}

function Get-SiteReadiness {
    # Reads only: whether AD answers and SMS_EXECUTIVE runs, with what was seen.
    $ad = $null
    $adText = ''
    try {
        $ad = Get-DomainControllerName
        $adText = [string] $ad
    } catch {
        $adText = $_.Exception.Message
    }
    $exec = Get-Service -Name SMS_EXECUTIVE -ErrorAction SilentlyContinue
    $execText = if ($null -eq $exec) { 'not installed' } else { [string] $exec.Status }
    return [pscustomobject] @{
        Up = ($null -ne $ad -and [string] $ad -ne '' -and $execText -eq 'Running')
        Text = "AD: $adText; SMS_EXECUTIVE: $execText"
        Dc = $adText
    }
}

function Get-CmgStatus {
    # Reads only: the CMG object (or $null), its State and StatusDetails (or $null), and what
    # they mean here.
    param(
        [string] $Name
    )
    $found = @(Get-CMCloudManagementGateway -Name $Name)
    if ($found.Count -gt 1) { throw "$($found.Count) CMGs match the name $Name in site $SiteCode; expected exactly one" }
    if ($found.Count -eq 0 -or $null -eq $found[0]) {
        return [pscustomobject] @{ Object = $null; State = $null; StatusDetails = $null; Ready = $false; Stopped = $false; Stopping = $false; Text = 'not found' }
    }
    $cmg = $found[0]
    $status = Get-CmgStatusOf -Gateway $cmg
    return [pscustomobject] @{
        Object = $cmg
        State = $status.State
        StatusDetails = $status.StatusDetails
        Ready = $status.Ready
        Stopped = (($null -ne $status.State) -and ($status.State -eq $StoppedState))
        Stopping = (($null -ne $status.State) -and ($status.State -eq $StoppingState))
        Text = $status.Text
    }
}

function Test-CmgInWantedState {
    param(
        [object] $Status
    )
    if ($Action -eq 'stop') { return [bool] $Status.Stopped }
    return [bool] $Status.Ready
}

# Input first, before anything is touched.
if ($SiteCode -notmatch '^[A-Za-z0-9]{3}$') { throw "SiteCode must be three letters or digits, got '$SiteCode'" }
if ($CmgFqdn.Trim() -eq '') { throw 'CmgFqdn is empty: give the CMG service name (its FQDN)' }
$minutes = 0
if (-not [int]::TryParse($WaitMinutes, [ref] $minutes) -or $minutes -lt 1) { throw "WaitMinutes must be a whole number of minutes, at least 1, got '$WaitMinutes'" }

$deadline = (Get-Date).AddMinutes($minutes)
$site = Get-SiteReadiness
while (-not $site.Up) {
    if ((Get-Date) -gt $deadline) { throw "AD or the site not up after $minutes minutes ($($site.Text)). Check that the DC runs (npm run resume starts it first) and the SMS_EXECUTIVE service on CM01" }
    Start-Sleep -Seconds 15
    $site = Get-SiteReadiness
}
Write-Output "AD ($($site.Dc)) and SMS_EXECUTIVE are up"

try {
    Connect-CMSite -Code $SiteCode -Provider $env:COMPUTERNAME
    $status = Get-CmgStatus -Name $CmgFqdn
} catch {
    throw "cannot read the CMG from site $($SiteCode): $_. $($RightsHint): Get-CMCloudManagementGateway -Name '$CmgFqdn'"
}
if ($null -eq $status.Object) { throw "no CMG named $CmgFqdn in site $SiteCode (npm run pause and resume use the stack's cmgServiceFqdn output)" }

if (Test-CmgInWantedState -Status $status) {
    $word = if ($Action -eq 'stop') { 'already stopped' } else { 'ready' }
    Write-Output "CMG $CmgFqdn $word ($($status.Text))"
    Write-Output 'lab-cmg-power ok'
    exit 0
}

Write-Output "CMG $CmgFqdn before: $($status.Text)"
$requested = $false
while (-not (Test-CmgInWantedState -Status $status)) {
    if (-not $requested) {
        if ($Action -eq 'stop' -and -not $status.Stopping) {
            try { $status.Object | Stop-CMCloudManagementGateway } catch { throw "Stop-CMCloudManagementGateway failed: $_. $($RightsHint): Get-CMCloudManagementGateway -Name '$CmgFqdn' | Stop-CMCloudManagementGateway" }
            $requested = $true
            Write-Output "CMG $CmgFqdn stop requested"
        } elseif ($Action -eq 'start' -and $status.Stopped) {
            try { $status.Object | Start-CMCloudManagementGateway } catch { throw "Start-CMCloudManagementGateway failed: $_. $($RightsHint): Get-CMCloudManagementGateway -Name '$CmgFqdn' | Start-CMCloudManagementGateway" }
            $requested = $true
            Write-Output "CMG $CmgFqdn start requested"
        }
    }
    if ((Get-Date) -gt $deadline) { break }
    Start-Sleep -Seconds 30
    $status = Get-CmgStatus -Name $CmgFqdn
}

# Read back: what the site shows now.
$status = Get-CmgStatus -Name $CmgFqdn
if (-not (Test-CmgInWantedState -Status $status)) {
    if ($Action -eq 'stop') {
        throw "CMG $CmgFqdn not stopped after $minutes minutes ($($status.Text); stopped is State $StoppedState). It still bills while it runs: stop it in the console (Administration > Cloud Services > Cloud Management Gateway > Stop service) before deallocating CM01, or run npm run pause again; CloudMgr.log on CM01 says why"
    }
    throw "CMG $CmgFqdn not ready after $minutes minutes ($($status.Text); ready is State 0 with StatusDetails 1). Internet clients cannot reach the site until it is; see CloudMgr.log on CM01, then run npm run resume again"
}
$word = if ($Action -eq 'stop') { 'stopped' } else { 'ready' }
Write-Output "CMG $CmgFqdn $word ($($status.Text))"
Write-Output 'lab-cmg-power ok'
exit 0
