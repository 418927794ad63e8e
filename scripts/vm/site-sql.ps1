<#
.SYNOPSIS
  Installs SQL Server 2022 (default instance, Database Engine only) for the ConfigMgr site
  database from the media the site-media step extracted, with the collation ConfigMgr requires
  (SQL_Latin1_General_CP1_CI_AS), then sets what ConfigMgr expects of it: memory limits for a
  database on the site server and compatibility level 150 on the model database (SQL Server 2022
  is supported at level 150, not its native 160), so the site database setup creates inherits it.
  Idempotent; waits first (bounded) for a restart the prerequisites step may have scheduled.
  Sources: https://learn.microsoft.com/mem/configmgr/core/plan-design/configs/support-for-sql-server-versions
  https://learn.microsoft.com/sql/database-engine/install-windows/install-sql-server-from-the-command-prompt
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $MediaRoot,

    [Parameter(Mandatory = $true)]
    [string] $SqlSysAdmin,

    [Parameter(Mandatory = $true)]
    [string] $WaitMinutes
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "site-sql failed: $_" -ErrorAction Continue
    exit 1
}

$Collation = 'SQL_Latin1_General_CP1_CI_AS'

function Test-RebootPending {
    $cbs = Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending'
    $wu = Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired'
    return ($cbs -or $wu)
}

function Get-SqlScalar {
    param(
        [string] $Query
    )
    $connection = New-Object System.Data.SqlClient.SqlConnection ('Server=localhost;Database=master;Integrated Security=True;Connect Timeout=30')
    try {
        $connection.Open()
        $command = $connection.CreateCommand()
        $command.CommandText = $Query
        return $command.ExecuteScalar()
    } finally {
        $connection.Close()
    }
}

function Set-SqlOption {
    param(
        [string] $Statement
    )
    $connection = New-Object System.Data.SqlClient.SqlConnection ('Server=localhost;Database=master;Integrated Security=True;Connect Timeout=30')
    try {
        $connection.Open()
        $command = $connection.CreateCommand()
        $command.CommandText = $Statement
        [void] $command.ExecuteNonQuery()
    } finally {
        $connection.Close()
    }
}

function Test-SqlInstalled {
    $svc = Get-Service -Name 'MSSQLSERVER' -ErrorAction SilentlyContinue
    return ($null -ne $svc) -and ($svc.Status -eq 'Running')
}

function Get-MaxMemoryMb {
    # ConfigMgr: limit a database on the site server to 50-80 % of memory.
    $totalMb = [math]::Floor((Get-CimInstance -ClassName Win32_ComputerSystem).TotalPhysicalMemory / 1048576)
    return [int] [math]::Floor($totalMb * 0.6)
}

function Test-SqlConfigured {
    if (-not (Test-SqlInstalled)) { return $false }
    $collationNow = [string] (Get-SqlScalar -Query "SELECT CONVERT(nvarchar(128), SERVERPROPERTY('Collation'))")
    $modelLevel = [int] (Get-SqlScalar -Query "SELECT compatibility_level FROM sys.databases WHERE name = 'model'")
    $maxMemory = [int] (Get-SqlScalar -Query "SELECT CONVERT(int, value_in_use) FROM sys.configurations WHERE name = 'max server memory (MB)'")
    return ($collationNow -eq $Collation) -and ($modelLevel -le 150) -and ($maxMemory -eq (Get-MaxMemoryMb))
}

$deadline = (Get-Date).AddMinutes([int] $WaitMinutes)
while (Test-RebootPending) {
    if ((Get-Date) -gt $deadline) { throw "a restart is still pending after $WaitMinutes minutes" }
    Start-Sleep -Seconds 15
}

if (-not (Test-SqlInstalled)) {
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
    $maxMb = Get-MaxMemoryMb
    Write-Output "Setting max server memory to $maxMb MB and the model database to compatibility level 150"
    Set-SqlOption -Statement "EXEC sp_configure 'show advanced options', 1; RECONFIGURE; EXEC sp_configure 'max server memory (MB)', $maxMb; RECONFIGURE;"
    Set-SqlOption -Statement 'ALTER DATABASE model SET COMPATIBILITY_LEVEL = 150;'
}

if (-not (Test-SqlConfigured)) {
    throw "SQL Server is not running with collation $Collation, model at level 150 and the memory limit"
}
Write-Output "SQL Server ready (collation $Collation)"
exit 0
