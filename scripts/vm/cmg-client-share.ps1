<#
.SYNOPSIS
  A read-only file share on the domain controller for the ConfigMgr client install of
  internet-side clients. Those clients cannot reach the site server (the NSG blocks its intranet
  ports, as on a real internet), but they can reach the DC (they joined the domain through it).
  The cmg-connection-point step copies the client files and the CMG client settings
  (cmg-client.json) into it; client-agent-install.ps1 installs from it with ccmsetup /source.
  Authenticated Users (which includes computer accounts, so SYSTEM on a member) may read;
  Domain Admins may write. Idempotent.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $ShareName,

    [Parameter(Mandatory = $true)]
    [string] $SharePath
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "cmg-client-share failed: $_" -ErrorAction Continue
    exit 1
}

function Test-ShareReady {
    param(
        [string] $Name,
        [string] $Path
    )
    $share = Get-CimInstance -ClassName Win32_Share -Filter "Name='$($Name -replace "'", "\'")'"
    return ($null -ne $share -and $share.Path -eq $Path -and (Test-Path -LiteralPath $Path))
}

$other = Get-CimInstance -ClassName Win32_Share -Filter "Name='$($ShareName -replace "'", "\'")'"
if ($null -ne $other -and $other.Path -ne $SharePath) {
    throw "the share $ShareName exists for $($other.Path), not $($SharePath): remove it (net share $ShareName /delete) or free the name, then rerun"
}
if (-not (Test-ShareReady -Name $ShareName -Path $SharePath)) {
    New-Item -ItemType Directory -Path $SharePath -Force | Out-Null
    & net.exe share "$ShareName=$SharePath" '/GRANT:Authenticated Users,READ' '/GRANT:Domain Admins,FULL' '/REMARK:cmg-lab ConfigMgr client source' | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "net share $ShareName failed with exit code $LASTEXITCODE" }
    & icacls.exe $SharePath /grant 'Domain Admins:(OI)(CI)F' | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "icacls on $SharePath failed with exit code $LASTEXITCODE" }
}
if (-not (Test-ShareReady -Name $ShareName -Path $SharePath)) { throw "the share $ShareName ($SharePath) does not exist after net share reported success: check the Server service (LanmanServer) on this DC" }
Write-Output "Share \\$env:COMPUTERNAME\$ShareName -> $SharePath"
exit 0
