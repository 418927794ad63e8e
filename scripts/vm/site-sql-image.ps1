<#
.SYNOPSIS
  Checks, and where it can fixes, what ConfigMgr requires of the SQL Server 2022 that the Azure
  marketplace image "SQL Server 2022 Developer on Windows Server 2022"
  (MicrosoftSQLServer:sql2022-ws2022:sqldev-gen2) brings pre-installed on the site server, and
  fails naming each difference it could not fix. Runs after the domain join, as the domain admin
  (a local administrator through Domain Admins), next to other run commands on this VM: it never
  restarts the VM, only the SQL Server service. Idempotent: a configured instance is left alone.

  What ConfigMgr needs, and what this script does about it:
  - the default instance MSSQLSERVER: without it the VM was not built from the SQL Server image
    (fails: set cmg-lab:site.sqlSource to download, which installs SQL Server with site-sql.ps1);
  - the server collation SQL_Latin1_General_CP1_CI_AS (prerequisite error "Required SQL Server
    collation"). The image's collation is that one per a third-party blog only (UNCONFIRMED), so it
    is read: a different one fails with the fix "set cmg-lab:site.sqlSource to download", because
    changing a server collation rebuilds the system databases. Nothing is changed before this check
    (when this identity has no login at all, the collation is read in the single-user session
    below, before any login is created);
  - the setup user (SqlSysAdmin) a member of sysadmin (prerequisite "SQL Server sysadmin rights"),
    and NT AUTHORITY\SYSTEM too: the site's services run as LocalSystem and reach the local site
    database as SYSTEM (lab practice, as a default SQL Server install by hand would be set up).
    After provisioning, the VM's local admin account is sysadmin (Azure self-help article); whether
    NT AUTHORITY\SYSTEM or BUILTIN\Administrators are is UNCONFIRMED, and the domain admin is not.
    When the identity this script runs as is not sysadmin, it regains access as a local
    administrator the way Microsoft documents for locked-out administrators: the services that
    depend on SQL Server (SQL Server Agent) are stopped first, the instance is started in
    single-user mode for one client application (net start MSSQLSERVER /mSQLCMD) and this script
    connects as that application (Application Name=SQLCMD), so no other client (the SQL IaaS agent,
    telemetry) can take the single connection; it creates the missing logins and adds them to
    sysadmin, then starts the instance normally and the stopped services again, also when
    something failed. Only an administrator's elevated token connects in single-user mode;
    whether a run command's runAs identity gets one is UNCONFIRMED (a failure there says so);
  - @@SERVERNAME equal to the computer name (SERVERPROPERTY('MachineName')): after provisioning a
    generalized image it may still carry the image's name (UNCONFIRMED); fixed with sp_dropserver
    and sp_addserver ..., 'local' and a service restart, as Microsoft documents for a renamed
    computer;
  - max server memory 50-80 % of memory on a site server that hosts its database (warning
    "Configuration for SQL Server memory usage"): 60 %, as site-sql.ps1 sets it; min server memory
    reserving 8 GB for a primary site (warning "SQL Server process memory allocation"): 8192 MB,
    or max server memory when that is lower (on a VM with less than about 13.3 GB; min may not
    exceed max, so the warning then stays). The image's defaults are unknown: read and set;
  - the model database at compatibility level 150 (SQL Server 2022 is supported at 150; the site
    database is created from model), as site-sql.ps1 sets it;
  - TCP/IP enabled on the static port 1433: the instance's SuperSocketNetLib\Tcp registry values
    (Enabled, ListenOnAllIPs; IPAll TcpPort 1433, TcpDynamicPorts empty) as SQL Server
    Configuration Manager writes them (the Microsoft page describes the tool, not the values:
    UNCONFIRMED layout), applied by a service restart and read back from
    sys.dm_tcp_listener_states (a T-SQL listener online on port 1433).
  Every setting is read back at the end; a difference fails the step naming each one.

  Sources:
  https://learn.microsoft.com/mem/configmgr/core/plan-design/configs/support-for-sql-server-versions
  https://learn.microsoft.com/mem/configmgr/core/servers/deploy/install/list-of-prerequisite-checks
  https://learn.microsoft.com/sql/database-engine/configure-windows/connect-to-sql-server-when-system-administrators-are-locked-out
  https://learn.microsoft.com/sql/database-engine/install-windows/rename-a-computer-that-hosts-a-stand-alone-instance-of-sql-server
  https://learn.microsoft.com/sql/database-engine/configure-windows/server-memory-server-configuration-options
  https://learn.microsoft.com/sql/database-engine/configure-windows/configure-a-server-to-listen-on-a-specific-tcp-port
  https://learn.microsoft.com/sql/relational-databases/system-dynamic-management-views/sys-dm-tcp-listener-states-transact-sql
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[^\\]+\\[^\\]+$')]
    [string] $SqlSysAdmin
)

$ErrorActionPreference = 'Stop'
trap {
    Write-Error -Message "site-sql-image failed: $_" -ErrorAction Continue
    exit 1
}

#include lib/sql-server.ps1

$Service = 'MSSQLSERVER'
# The client application the single-user instance admits (net start ... /m<name>).
$SingleUserApp = 'SQLCMD'
$TcpPort = '1433'
$SysAdminLogins = @($SqlSysAdmin, 'NT AUTHORITY\SYSTEM')
$CollationFix = 'the server collation is set at install; changing it rebuilds the system databases: set cmg-lab:site.sqlSource to download to install SQL Server with it'

function ConvertTo-SqlText {
    # A Unicode string literal: N'...' with quotes doubled.
    param(
        [string] $Value
    )
    return "N'" + $Value.Replace("'", "''") + "'"
}

function ConvertTo-SqlName {
    # A delimited identifier: [...] with closing brackets doubled.
    param(
        [string] $Value
    )
    return '[' + $Value.Replace(']', ']]') + ']'
}

function Test-ServiceRunning {
    param(
        [string] $Name
    )
    $svc = Get-Service -Name $Name -ErrorAction SilentlyContinue
    return ($null -ne $svc) -and ($svc.Status -eq 'Running')
}

function Test-LoginFailure {
    # The server answered and refused this identity (error 18456, or 18461 in single-user mode).
    param(
        [System.Management.Automation.ErrorRecord] $ErrorRecord
    )
    for ($e = $ErrorRecord.Exception; $null -ne $e; $e = $e.InnerException) {
        if (($e.PSObject.Properties.Name -contains 'Number') -and (@(18456, 18461) -contains $e.Number)) { return $true }
        if ($e.Message -match 'Login failed for user') { return $true }
    }
    return $false
}

function Wait-SqlReady {
    # Reads only: waits, bounded, until the instance accepts a connection. In normal mode a login
    # failure also means it is up (the server answered); in single-user mode it means the single
    # connection is not ours yet.
    param(
        [string] $ApplicationName = ''
    )
    $deadline = (Get-Date).AddMinutes(3)
    while ($true) {
        try {
            [void] (Get-SqlScalar -Query 'SELECT 1' -ApplicationName $ApplicationName)
            return
        } catch {
            $refused = Test-LoginFailure -ErrorRecord $_
            if ($refused -and (-not $ApplicationName)) { return }
            if ((Get-Date) -gt $deadline) {
                if ($refused) {
                    throw "SQL Server in single-user mode refused this identity for 3 minutes ($($_.Exception.Message)): only a local administrator with an elevated token connects then, and only one connection named $ApplicationName. Check that this step runs as a local administrator, then run pulumi up again"
                }
                throw "SQL Server ($Service) did not accept a connection within 3 minutes of starting: $($_.Exception.Message)"
            }
            Start-Sleep -Seconds 5
        }
    }
}

function Get-SqlAccess {
    # Reads only: 'sysadmin', 'login' (connected, not sysadmin) or 'none' (login refused).
    try {
        $member = Get-SqlScalar -Query "SELECT IS_SRVROLEMEMBER('sysadmin')"
    } catch {
        if (Test-LoginFailure -ErrorRecord $_) { return 'none' }
        throw
    }
    if ([string] $member -eq '1') { return 'sysadmin' }
    return 'login'
}

function Get-CollationDifference {
    param(
        [string] $ApplicationName = ''
    )
    $wanted = Get-ConfigMgrCollation
    $now = [string] (Get-SqlScalar -Query "SELECT CONVERT(nvarchar(128), SERVERPROPERTY('Collation'))" -ApplicationName $ApplicationName)
    if ($now -ne $wanted) { return "the server collation is $now, not $wanted ($CollationFix)" }
    return $null
}

function Get-MissingSysAdmin {
    # Reads only: the logins of $SysAdminLogins that are not members of sysadmin (matched by SID,
    # whatever the spelling of the login's name).
    param(
        [string] $ApplicationName = ''
    )
    $missing = @()
    foreach ($login in $SysAdminLogins) {
        $query = 'SELECT COUNT(*) FROM sys.server_role_members AS m ' +
            'JOIN sys.server_principals AS r ON r.principal_id = m.role_principal_id ' +
            'JOIN sys.server_principals AS p ON p.principal_id = m.member_principal_id ' +
            "WHERE r.name = N'sysadmin' AND p.sid = SUSER_SID($(ConvertTo-SqlText -Value $login))"
        if ([int] (Get-SqlScalar -Query $query -ApplicationName $ApplicationName) -lt 1) { $missing += $login }
    }
    return $missing
}

function Test-SysAdminLogin {
    # An identity without a login cannot tell: the logins are then taken as missing.
    try {
        return (@(Get-MissingSysAdmin).Count -eq 0)
    } catch {
        if (Test-LoginFailure -ErrorRecord $_) { return $false }
        throw
    }
}

function Get-SysAdminStatement {
    param(
        [string[]] $Login
    )
    $batch = ''
    foreach ($name in $Login) {
        $text = ConvertTo-SqlText -Value $name
        $id = ConvertTo-SqlName -Value $name
        $batch += "IF NOT EXISTS (SELECT 1 FROM sys.server_principals WHERE sid = SUSER_SID($text)) CREATE LOGIN $id FROM WINDOWS; ALTER SERVER ROLE sysadmin ADD MEMBER $id; "
    }
    return $batch.TrimEnd()
}

function Stop-SqlEngine {
    # The running services that depend on SQL Server (SQL Server Agent) first, as Microsoft's
    # single-user procedure asks; returns their names, to start again.
    $dependents = @(Get-Service -Name $Service -DependentServices | Where-Object { $_.Status -eq 'Running' } | ForEach-Object { $_.Name })
    foreach ($name in $dependents) { Stop-Service -Name $name }
    Stop-Service -Name $Service
    return $dependents
}

function Restart-SqlEngine {
    $dependents = @(Stop-SqlEngine)
    Start-Service -Name $Service
    foreach ($name in $dependents) { Start-Service -Name $name }
    Wait-SqlReady
}

function Grant-SysAdminInSingleUserMode {
    Write-Output "This identity is not sysadmin on SQL Server: starting $Service in single-user mode for $SingleUserApp to add the sysadmin logins"
    $dependents = @(Stop-SqlEngine)
    try {
        & net.exe start $Service "/m$SingleUserApp"
        if ($LASTEXITCODE -ne 0) { throw "net start $Service /m$SingleUserApp (single-user mode) failed with exit code $LASTEXITCODE" }
        Wait-SqlReady -ApplicationName $SingleUserApp
        $collation = Get-CollationDifference -ApplicationName $SingleUserApp
        if ($collation) { throw $collation }
        $missing = @(Get-MissingSysAdmin -ApplicationName $SingleUserApp)
        if ($missing.Count -gt 0) {
            Write-Output "Adding $($missing -join ' and ') to the sysadmin role"
            Set-SqlOption -Statement (Get-SysAdminStatement -Login $missing) -ApplicationName $SingleUserApp
        }
    } finally {
        # Back to normal (multi-user) operation, also after a failure.
        Write-Output "Restarting $Service normally"
        if (Test-ServiceRunning -Name $Service) { Stop-Service -Name $Service }
        Start-Service -Name $Service
        foreach ($name in $dependents) { Start-Service -Name $name }
    }
    Wait-SqlReady
}

function Get-ServerNameState {
    # @@SERVERNAME (effective since the last start), the local entry of sys.servers (what the next
    # start uses) and the computer name they must equal.
    return [pscustomobject]@{
        Now = [string] (Get-SqlScalar -Query 'SELECT CONVERT(nvarchar(128), @@SERVERNAME)')
        Entry = [string] (Get-SqlScalar -Query 'SELECT CONVERT(nvarchar(128), name) FROM sys.servers WHERE server_id = 0')
        Wanted = [string] (Get-SqlScalar -Query "SELECT CONVERT(nvarchar(128), SERVERPROPERTY('MachineName'))")
    }
}

function Get-TcpKey {
    # The default instance's registry root is named by its instance id (MSSQL16.MSSQLSERVER).
    $names = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Microsoft SQL Server\Instance Names\SQL' -ErrorAction SilentlyContinue
    if (($null -eq $names) -or (-not $names.$Service)) { throw "no instance id for $Service under HKLM:\SOFTWARE\Microsoft\Microsoft SQL Server\Instance Names\SQL" }
    return "HKLM:\SOFTWARE\Microsoft\Microsoft SQL Server\$($names.$Service)\MSSQLServer\SuperSocketNetLib\Tcp"
}

function Get-TcpSettingDifference {
    # Reads only: the registry values that differ, as objects (key, value name, now, wanted).
    $key = Get-TcpKey
    $tcp = Get-ItemProperty -LiteralPath $key
    $all = Get-ItemProperty -LiteralPath "$key\IPAll"
    $found = @()
    # Enabled and ListenOnAllIPs are DWORDs (an int is written as one), the ports strings.
    foreach ($want in @(@($key, 'Enabled', 1, $tcp.Enabled), @($key, 'ListenOnAllIPs', 1, $tcp.ListenOnAllIPs),
            @("$key\IPAll", 'TcpPort', $TcpPort, $all.TcpPort), @("$key\IPAll", 'TcpDynamicPorts', '', $all.TcpDynamicPorts))) {
        if ([string] $want[3] -ne [string] $want[2]) { $found += [pscustomobject]@{ Key = $want[0]; Name = $want[1]; Wanted = $want[2]; Now = [string] $want[3] } }
    }
    return $found
}

function Test-TcpListening {
    # What the running instance does: a T-SQL listener online on the static port.
    $count = Get-SqlScalar -Query "SELECT COUNT(*) FROM sys.dm_tcp_listener_states WHERE type_desc = N'TSQL' AND state_desc = N'ONLINE' AND port = $TcpPort"
    return ([int] $count -gt 0)
}

function Get-SqlImageDifference {
    # Reads only: everything ConfigMgr needs of this instance, one line for each difference.
    if (-not (Test-ServiceRunning -Name $Service)) { return @("the $Service service is not running") }
    $found = @(Get-SqlSettingDifference -CollationFix $CollationFix)
    foreach ($login in @(Get-MissingSysAdmin)) { $found += "$login is not a member of sysadmin" }
    $name = Get-ServerNameState
    if ($name.Now -ne $name.Wanted) { $found += "@@SERVERNAME is '$($name.Now)', not the computer name '$($name.Wanted)'" }
    foreach ($d in @(Get-TcpSettingDifference)) { $found += "TCP/IP setting $($d.Name) is '$($d.Now)', not '$($d.Wanted)' ($($d.Key))" }
    if (-not (Test-TcpListening)) { $found += "SQL Server does not listen for T-SQL on TCP port $TcpPort (sys.dm_tcp_listener_states)" }
    return $found
}

function Test-SqlImageConfigured {
    return (@(Get-SqlImageDifference).Count -eq 0)
}

if ($null -eq (Get-Service -Name $Service -ErrorAction SilentlyContinue)) {
    throw "there is no $Service service: the VM was not built from the SQL Server image (MicrosoftSQLServer:sql2022-ws2022:sqldev-gen2). Set cmg-lab:site.sqlSource to download to install SQL Server instead, or rebuild the site server from the image"
}
if (-not (Test-ServiceRunning -Name $Service)) {
    Write-Output "Starting $Service"
    Start-Service -Name $Service
}
Wait-SqlReady

# The collation first: nothing is changed on an instance that cannot host the site database.
$access = Get-SqlAccess
if ($access -ne 'none') {
    $collation = Get-CollationDifference
    if ($collation) { throw $collation }
}

if (-not (Test-SysAdminLogin)) {
    if ($access -eq 'sysadmin') {
        $missing = @(Get-MissingSysAdmin)
        Write-Output "Adding $($missing -join ' and ') to the sysadmin role"
        Set-SqlOption -Statement (Get-SysAdminStatement -Login $missing)
    } else {
        Grant-SysAdminInSingleUserMode
    }
}
if ((Get-SqlAccess) -ne 'sysadmin') {
    throw "the identity this step runs as is not sysadmin on SQL Server, although $($SysAdminLogins -join ' and ') should be now: run this step as $SqlSysAdmin (the run command's runAs user)"
}
if (-not (Test-SysAdminLogin)) {
    throw "$((Get-MissingSysAdmin) -join ' and ') not a member of sysadmin after adding"
}

if (-not (Test-SqlImageConfigured)) {
    $restart = $false
    $name = Get-ServerNameState
    if (($name.Now -ne $name.Wanted) -and ($name.Entry -ne $name.Wanted)) {
        # 'droplogins': a remote login mapped to the old name would make sp_dropserver fail.
        $rename = ''
        if ($name.Entry) { $rename = "EXEC sp_dropserver $(ConvertTo-SqlText -Value $name.Entry), 'droplogins'; " }
        $rename += "EXEC sp_addserver $(ConvertTo-SqlText -Value $name.Wanted), 'local';"
        Write-Output "Renaming the local server entry '$($name.Entry)' to the computer name '$($name.Wanted)' (effective at the restart)"
        Set-SqlOption -Statement $rename
    }
    if ($name.Now -ne $name.Wanted) { $restart = $true }
    Set-SqlMemory
    if ([int] (Get-SqlScalar -Query "SELECT compatibility_level FROM sys.databases WHERE name = 'model'") -gt 150) {
        Write-Output 'Setting the model database to compatibility level 150'
        Set-SqlOption -Statement 'ALTER DATABASE model SET COMPATIBILITY_LEVEL = 150;'
    }
    $tcp = @(Get-TcpSettingDifference)
    foreach ($d in $tcp) {
        Write-Output "Setting TCP/IP $($d.Name) to '$($d.Wanted)' (was '$($d.Now)')"
        Set-ItemProperty -LiteralPath $d.Key -Name $d.Name -Value $d.Wanted
    }
    if (($tcp.Count -gt 0) -or (-not (Test-TcpListening))) { $restart = $true }
    if ($restart) {
        Write-Output "Restarting $Service to apply the server name and TCP/IP settings"
        Restart-SqlEngine
    }
}

if (-not (Test-SqlImageConfigured)) {
    throw "SQL Server is not as ConfigMgr needs it: $((Get-SqlImageDifference) -join '; ')"
}
Write-Output "SQL Server ready for ConfigMgr (collation $(Get-ConfigMgrCollation); sysadmin: $($SysAdminLogins -join ', '); max $(Get-MaxMemoryMb) MB, min $(Get-MinMemoryMb) MB; TCP port $TcpPort)"
exit 0
