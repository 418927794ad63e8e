<#
.SYNOPSIS
  Installs the ConfigMgr client on an internet-side client so that it works only through the CMG,
  with Enhanced HTTP and Entra ID authentication (no client PKI certificate):
  ccmsetup /source:<DC share> /mp:https://<CMG>/CCM_Proxy_MutualAuth/<id> /NoCRLCheck
  CCMHOSTNAME=<CMG>/CCM_Proxy_MutualAuth/<id> SMSSITECODE=<code> AADTENANTID=<tenant>
  AADCLIENTAPPID=<client app> AADRESOURCEURI=<server app id uri> CCMALWAYSINF=1.
  The arguments come from the program (stacks/model/cmg.ts ccmsetupArguments) with {MpPath} standing
  for the MP's CMG route, which only the site knows: it is read from cmg-client.json in the DC's
  client share (written by cmg-connection-point.ps1). The files come from that share because an
  internet client cannot reach the site server. First makes sure the lab's enterprise root CA
  (the CMG certificate's issuer) is trusted, refreshing Group Policy if needed. Waits, bounded,
  for ccmsetup to finish and the client to be installed. Runs as LocalSystem. Idempotent.
  An intranet-side client (InternetOnly 0) gets /mp:http://<site server> instead, without
  CCMHOSTNAME and CCMALWAYSINF: it uses the CMG only when it roams.
  ccmsetup.exe's exit code decides what follows (return codes as Microsoft documents them in
  about-client-installation-properties, "CCMSetup.exe return codes"; MicrosoftDocs/memdocs
  memdocs/configmgr/core/clients/deploy/about-client-installation-properties.md):
    0  success                                -> the bounded wait and read-back below
    8  setup already running                  -> the same wait, for the setup that runs
    7  reboot required                        -> read back at once: installed, assigned (and
       internet-only) passes with a warning; otherwise fails saying the client needs a restart
       (without /forcereboot ccmsetup exits and continues after the next restart, per the same
       page; the lab never restarts a client on its own)
    6  error, 9 prerequisite evaluation failure, 10 setup manifest hash validation failure, and
       any code the page does not list -> fails at once with the code's meaning and the last
       lines of %WinDir%\ccmsetup\Logs\ccmsetup.log that say error or failed (else its last lines).
  UNCONFIRMED: which of these codes the bootstrap started here returns when ccmsetup hands the
  install to its service (the page's /service tip says a script may then not get the
  installation details); a 0 is therefore always followed by the bounded read-back.
  Sources: https://learn.microsoft.com/mem/configmgr/core/clients/deploy/deploy-clients-cmg-azure
  https://learn.microsoft.com/mem/configmgr/core/clients/deploy/about-client-installation-properties#ccmsetupReturnCodes
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [ValidatePattern('^\\\\[^\\]+\\[^\\]+')]
    [string] $ClientShareUnc,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('(^| )SMSSITECODE=[A-Za-z0-9]{3}( |$)')]
    [string] $CcmsetupArguments,

    # Empty with a supplied CMG certificate (no lab CA to trust).
    [Parameter(Mandatory = $true)]
    [AllowEmptyString()]
    [string] $CaCommonName,

    [Parameter(Mandatory = $true)]
    [ValidateSet('0', '1')]
    [string] $InternetOnly,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[1-9][0-9]{0,3}$')]
    [string] $WaitMinutes
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "client-agent-install failed: $_" -ErrorAction Continue
    exit 1
}

# The site the client must be assigned to, and the internet-only properties, from the arguments.
$siteCode = ([regex]::Match($CcmsetupArguments, '(?:^| )SMSSITECODE=([A-Za-z0-9]{3})(?: |$)')).Groups[1].Value.ToUpperInvariant()
$alwaysInternet = $CcmsetupArguments -match '(^| )CCMALWAYSINF=1( |$)'
$cmgHost = $CcmsetupArguments -match '(^| )CCMHOSTNAME=\S+/\{MpPath\}( |$)'
if ($InternetOnly -eq '1' -and -not ($alwaysInternet -and $cmgHost)) {
    throw "InternetOnly is 1 but CcmsetupArguments lack CCMALWAYSINF=1 or CCMHOSTNAME=<CMG>/{MpPath}: the client would not stay on the CMG (stacks/model/cmg.ts ccmsetupArguments builds both)"
}
if ($InternetOnly -eq '0' -and $alwaysInternet) {
    throw 'InternetOnly is 0 but CcmsetupArguments hold CCMALWAYSINF=1: an intranet-side client must not be internet-only'
}

function Test-RootTrusted {
    param(
        [string] $Name
    )
    return ($null -ne (Get-ChildItem -Path Cert:\LocalMachine\Root | Where-Object { $_.Subject -like "CN=$Name*" } | Select-Object -First 1))
}

function Test-ClientRunning {
    $svc = Get-Service -Name CcmExec -ErrorAction SilentlyContinue
    return ($null -ne $svc -and $svc.Status -eq 'Running')
}

function Test-ClientAssigned {
    # SMS_Authority (root\ccm) is the site that manages the client; its Name reads 'SMS:<site code>'
    # in public client scripts (UNCONFIRMED in the class reference, which only says "the name of
    # the authority"). https://learn.microsoft.com/intune/configmgr/develop/reference/core/clients/client-classes/sms_authority-client-wmi-class
    $authority = @(Get-CimInstance -Namespace 'root\ccm' -ClassName SMS_Authority -ErrorAction SilentlyContinue | Where-Object { $_.Name -eq "SMS:$siteCode" })
    return ($authority.Count -gt 0)
}

function Test-InternetOnly {
    $key = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\CCM\Security' -ErrorAction SilentlyContinue
    return ($null -ne $key -and $null -ne $key.PSObject.Properties['ClientAlwaysOnInternet'] -and [int] $key.ClientAlwaysOnInternet -eq 1)
}

function Get-CcmsetupExitMeaning {
    param(
        [int] $Code
    )
    switch ($Code) {
        0 { return 'success' }
        6 { return 'error' }
        7 { return 'reboot required' }
        8 { return 'setup already running' }
        9 { return 'prerequisite evaluation failure' }
        10 { return 'setup manifest hash validation failure' }
    }
    return 'not a return code the ccmsetup documentation lists'
}

function Get-CcmsetupLogExcerpt {
    # Bounded evidence for `npm run diagnose`: of the log's last 2000 lines, the last 20 that say
    # error or failed, else the last 20.
    $log = Join-Path $env:windir 'ccmsetup\Logs\ccmsetup.log'
    if (-not (Test-Path -LiteralPath $log)) { return "(no $log)" }
    $recent = @(Get-Content -LiteralPath $log -Tail 2000)
    $relevant = @($recent | Where-Object { $_ -match 'error|failed' } | Select-Object -Last 20)
    if ($relevant.Count -gt 0) { return "$log, last lines with error or failed:`n$($relevant -join "`n")" }
    return "$log, last lines:`n$(@($recent | Select-Object -Last 20) -join "`n")"
}

function Test-ClientInstalled {
    if (-not (Test-ClientRunning) -or -not (Test-ClientAssigned)) { return $false }
    if ($InternetOnly -ne '1') { return $true }
    return (Test-InternetOnly)
}

if (-not (Test-ClientInstalled)) {
    if ($CaCommonName -and -not (Test-RootTrusted -Name $CaCommonName)) {
        & gpupdate.exe /target:computer /force | Out-Null
        Start-Sleep -Seconds 20
    }
    if ($CaCommonName -and -not (Test-RootTrusted -Name $CaCommonName)) {
        throw "the lab root CA '$CaCommonName' is not in LocalMachine\Root: clients would fail the CMG's TLS with WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA (cmg-certificate)"
    }
    $settingsPath = Join-Path $ClientShareUnc 'cmg-client.json'
    if (-not (Test-Path -LiteralPath $settingsPath)) { throw "no $($settingsPath): the cmg-connection-point step has not published the client settings" }
    $settings = Get-Content -LiteralPath $settingsPath -Raw | ConvertFrom-Json
    if ($settings.mpPath -notlike 'CCM_Proxy_MutualAuth/*') { throw "cmg-client.json holds no CCM_Proxy_MutualAuth route" }
    $arguments = $CcmsetupArguments.Replace('{MpPath}', [string] $settings.mpPath)
    $work = Join-Path $env:ProgramData 'CmgLab\ccmsetup'
    New-Item -ItemType Directory -Path $work -Force | Out-Null
    Copy-Item -LiteralPath (Join-Path $ClientShareUnc 'ccmsetup.exe') -Destination $work -Force
    Write-Output "ccmsetup.exe $arguments"
    $process = Start-Process -FilePath (Join-Path $work 'ccmsetup.exe') -ArgumentList $arguments -PassThru -Wait
    $code = [int] $process.ExitCode
    $meaning = Get-CcmsetupExitMeaning -Code $code
    if ($code -eq 8) {
        Write-Output "ccmsetup bootstrap exited with $code ($meaning): waiting for the running setup"
    } else {
        Write-Output "ccmsetup bootstrap exited with $code ($meaning)"
    }
    if ($code -eq 7) {
        # ccmsetup goes on only after a restart, so waiting here would only use up the time.
        if (-not (Test-ClientInstalled)) {
            throw "ccmsetup exited with 7 ($meaning): the client install completes only after $env:COMPUTERNAME restarts, and the lab never restarts a client on its own. Restart $env:COMPUTERNAME (az vm restart, or Restart-Computer on it), then run pulumi up again to read the client back.`n$(Get-CcmsetupLogExcerpt)"
        }
        Write-Warning "ccmsetup exited with 7 ($meaning), but the client is installed and assigned to $($siteCode): a restart of $env:COMPUTERNAME is still pending (the lab does not restart it)"
    } elseif ($code -ne 0 -and $code -ne 8) {
        $likely = ''
        if ($code -eq 10) { $likely = " Likely: the client files in $ClientShareUnc are incomplete or differ from the site's Client folder (copied by the cmg-connection-point step; UNCONFIRMED cause)." }
        throw "ccmsetup exited with $code ($meaning): the client is not installed.$likely`n$(Get-CcmsetupLogExcerpt)"
    }
}

$deadline = (Get-Date).AddMinutes([int] $WaitMinutes)
while (-not (Test-ClientInstalled)) {
    if ((Get-Date) -gt $deadline) { break }
    Start-Sleep -Seconds 30
}
if (-not (Test-ClientInstalled)) {
    $log = Join-Path $env:windir 'ccmsetup\Logs\ccmsetup.log'
    $tail = if (Test-Path -LiteralPath $log) { (Get-Content -LiteralPath $log -Tail 20) -join "`n" } else { '(no ccmsetup.log)' }
    $what = 'the ConfigMgr client runs but is not internet-only (ClientAlwaysOnInternet is not 1: CCMALWAYSINF=1 did not apply)'
    if (-not (Test-ClientRunning)) {
        $what = 'the ConfigMgr client is not installed (CcmExec not running)'
    } elseif (-not (Test-ClientAssigned)) {
        $what = "the ConfigMgr client runs but is not assigned to site $siteCode (it found no management point: the CMG route or its Entra ID token, steps cmg-connection-point and azure-services)"
    }
    throw "$what after $WaitMinutes minutes. ccmsetup.log:`n$tail"
}
Write-Output "ConfigMgr client installed and assigned to $siteCode$(if ($InternetOnly -eq '1') { ', internet-only (ClientAlwaysOnInternet=1)' } else { ' (intranet side)' })"
exit 0
