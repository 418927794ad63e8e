<#
.SYNOPSIS
  Installs SQL Server 2022 (default instance, Database Engine only) for the ConfigMgr site
  database from the media the site-media step extracted, with the collation ConfigMgr requires
  (SQL_Latin1_General_CP1_CI_AS), then sets what ConfigMgr expects of it: max server memory 60 %
  of memory (50-80 % for a database on the site server, prerequisite warning "Configuration for
  SQL Server memory usage"), min server memory 8192 MB reserved for a primary site (warning "SQL
  Server process memory allocation"; max server memory when that is lower, as min may not exceed
  max), as site-sql-image.ps1 sets them (lib/sql-server.ps1), and compatibility level 150 on the
  model database (SQL Server 2022 is supported at level 150, not its native 160), so the site
  database setup creates inherits it. Idempotent: an installed, configured SQL Server is left
  alone; only the settings that differ are changed, and all are read back.

  Restarts: the lab's VMs are built with automatic updates off (components/windows-vm.ts), so
  nothing restarts the machine for Windows Update during the build and its reboot-required flag
  is not waited for (it would only time out). The restart the lab itself causes, for the Windows
  features of site-prereqs.ps1, is done by the domain join that follows them. Should Component
  Based Servicing still report a pending restart when SQL Server must be installed, SQL Server
  setup would refuse it and nothing in the build will restart: the step fails at once, saying
  to restart the VM and run pulumi up again (an installed SQL Server needs no restart check).
  Sources: https://learn.microsoft.com/mem/configmgr/core/plan-design/configs/support-for-sql-server-versions
  https://learn.microsoft.com/mem/configmgr/core/servers/deploy/install/list-of-prerequisite-checks
  https://learn.microsoft.com/sql/database-engine/configure-windows/server-memory-server-configuration-options
  https://learn.microsoft.com/sql/database-engine/install-windows/install-sql-server-from-the-command-prompt
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $MediaRoot,

    [Parameter(Mandatory = $true)]
    [string] $SqlSysAdmin
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "site-sql failed: $_" -ErrorAction Continue
    exit 1
}

#include lib/sql-server.ps1

$Collation = Get-ConfigMgrCollation

function Test-RebootPending {
    # Set by a Windows feature (or update) install until the restart it asked for.
    return (Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending')
}

function Test-SqlInstalled {
    $svc = Get-Service -Name 'MSSQLSERVER' -ErrorAction SilentlyContinue
    return ($null -ne $svc) -and ($svc.Status -eq 'Running')
}

function Get-SqlDifference {
    # Reads only: what differs from what ConfigMgr expects, one line each (none: configured).
    if (-not (Test-SqlInstalled)) { return @('the MSSQLSERVER service is not running') }
    return @(Get-SqlSettingDifference -CollationFix 'set only at install: reinstall SQL Server')
}

function Test-SqlConfigured {
    return (@(Get-SqlDifference).Count -eq 0)
}

if (-not (Test-SqlInstalled)) {
    if (Test-RebootPending) {
        throw "a restart is pending on $env:COMPUTERNAME (Component Based Servicing: a Windows feature install asked for it, normally completed by the domain join's restart) and SQL Server setup does not install over one. Restart the VM (az vm restart), then run pulumi up again"
    }
    $setup = Join-Path $MediaRoot 'Sql\Setup\setup.exe'
    if (-not (Test-Path -LiteralPath $setup)) { throw "SQL Server setup not found at $setup (is the site-media step done?)" }
    $arguments = @(
        '/Q', '/ACTION=Install', '/FEATURES=SQLENGINE', '/INSTANCENAME=MSSQLSERVER',
        "/SQLCOLLATION=$Collation",
        "/SQLSYSADMINACCOUNTS=`"$SqlSysAdmin`" `"BUILTIN\Administrators`"",
        '/AGTSVCSTARTUPTYPE=Automatic', '/TCPENABLED=1', '/UPDATEENABLED=False',
        '/IACCEPTSQLSERVERLICENSETERMS', '/SUPPRESSPRIVACYSTATEMENTNOTICE'
    )
    Write-Output "Installing SQL Server from $setup"
    $p = Start-Process -FilePath $setup -ArgumentList $arguments -Wait -PassThru -NoNewWindow
    if (($p.ExitCode -ne 0) -and ($p.ExitCode -ne 3010)) {
        throw "SQL Server setup exited with code $($p.ExitCode); see C:\Program Files\Microsoft SQL Server\160\Setup Bootstrap\Log\Summary.txt"
    }
}

if (-not (Test-SqlConfigured)) {
    if (-not (Test-SqlInstalled)) { throw 'the MSSQLSERVER service is not running after setup' }
    Set-SqlMemory
    if ([int] (Get-SqlScalar -Query "SELECT compatibility_level FROM sys.databases WHERE name = 'model'") -gt 150) {
        Write-Output 'Setting the model database to compatibility level 150'
        Set-SqlOption -Statement 'ALTER DATABASE model SET COMPATIBILITY_LEVEL = 150;'
    }
}

if (-not (Test-SqlConfigured)) {
    throw "SQL Server is not as ConfigMgr needs it: $((Get-SqlDifference) -join '; ')"
}
Write-Output "SQL Server ready (collation $Collation)"
exit 0
