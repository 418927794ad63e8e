# site-sql-image.ps1: the SQL Server the marketplace image brings, checked and fixed for ConfigMgr
# (collation, sysadmin logins, server name, memory, model level, TCP 1433) and read back. The
# machine is an in-memory model ($global:Sql): the MSSQLSERVER and SQLSERVERAGENT services, the
# instance (normal or single-user mode, its logins, settings, local server entry, TCP listener)
# and the registry values it reads its network settings from at start.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    # The script's thin wrappers around System.Data.SqlClient (mocked below).
    function global:Get-SqlScalar {
        param([string] $Query, [string] $ApplicationName = '')
    }
    function global:Set-SqlOption {
        param([string] $Statement, [string] $ApplicationName = '')
    }

    $script:Admin = 'CORP\labadmin'
    $script:System = 'NT AUTHORITY\SYSTEM'
    $script:Params = @{ SqlSysAdmin = $Admin }
    $script:Collation = 'SQL_Latin1_General_CP1_CI_AS'
    # 16 GB of memory (a D4s_v5): 60 % is 9830 MB; 8 GB reserved.
    $script:ExpectedMaxMb = 9830
    $script:ExpectedMinMb = 8192
    $script:TcpKey = 'HKLM:\SOFTWARE\Microsoft\Microsoft SQL Server\MSSQL16.MSSQLSERVER\MSSQLServer\SuperSocketNetLib\Tcp'

    # Defaults: what the image is expected to bring (its local admin the only sysadmin, the
    # computer's name in the server entry, memory unlimited, model at 160, TCP on 1433).
    function Set-Sql {
        param(
            [bool] $Exists = $true, [string] $Engine = 'Running', [string] $Agent = 'Running',
            [string] $InstalledCollation = $Collation, [string] $RunAs = $Admin, [bool] $RunAsAdmin = $true,
            [hashtable] $Logins = @{ 'CM01\azureadmin' = $true; 'NT AUTHORITY\SYSTEM' = $false },
            [string] $ServerName = 'CM01', [int] $MaxMemory = 2147483647, [int] $MinMemory = 0, [int] $ModelLevel = 160,
            [int] $Enabled = 1, [int] $ListenOnAllIPs = 1, [string] $TcpPort = '1433', [string] $TcpDynamicPorts = ''
        )
        $global:Sql = @{
            Exists = $Exists; Engine = $Engine; Mode = 'normal'; Agent = $Agent; Warming = 0; WarmUp = 0
            Collation = $InstalledCollation; RunAs = $RunAs; RunAsAdmin = $RunAsAdmin
            Logins = @{}; Machine = 'CM01'; ServerName = $ServerName; Entry = $ServerName
            MaxMemory = $MaxMemory; MinMemory = $MinMemory; ModelLevel = $ModelLevel
            Tcp = @{ Enabled = $Enabled; ListenOnAllIPs = $ListenOnAllIPs }
            IPAll = @{ TcpPort = $TcpPort; TcpDynamicPorts = $TcpDynamicPorts }
            ListenerPort = 0; OptionsStick = $true; RegistryStick = $true
            Events = New-Object System.Collections.Generic.List[string]
            Statements = New-Object System.Collections.Generic.List[object]
        }
        foreach ($name in $Logins.Keys) { $global:Sql.Logins[$name] = @{ Name = $name; SysAdmin = $Logins[$name] } }
        Update-Listener
    }
    # Already as ConfigMgr needs it: what a finished first run leaves.
    function Set-SqlDone {
        Set-Sql -Logins @{ 'CM01\azureadmin' = $true; 'NT AUTHORITY\SYSTEM' = $true; 'CORP\labadmin' = $true } -MaxMemory $ExpectedMaxMb -MinMemory $ExpectedMinMb -ModelLevel 150
    }
    # The network settings take effect when the instance starts.
    function global:Update-Listener {
        $s = $global:Sql
        $s.ListenerPort = 0
        if (($s.Tcp.Enabled -eq 1) -and ($s.Tcp.ListenOnAllIPs -eq 1)) {
            $s.ListenerPort = $(if ($s.IPAll.TcpDynamicPorts -ne '') { 49721 } elseif ($s.IPAll.TcpPort) { [int] $s.IPAll.TcpPort } else { 0 })
        }
    }
    function global:Start-ModelEngine {
        param([string] $Mode)
        $s = $global:Sql
        $s.Engine = 'Running'; $s.Mode = $Mode; $s.ServerName = $s.Entry; $s.Warming = $s.WarmUp
        Update-Listener
    }
    # One connection as the run-as identity: 'sysadmin' or 'login', or the error SqlClient throws.
    function global:Connect-Model {
        param([string] $ApplicationName)
        $s = $global:Sql
        if ($s.Engine -ne 'Running') { throw 'A network-related or instance-specific error occurred while establishing a connection to SQL Server.' }
        if ($s.Warming -gt 0) { $s.Warming--; throw 'A network-related or instance-specific error occurred while establishing a connection to SQL Server.' }
        if ($s.Mode -eq 'single') {
            if (($ApplicationName -cne 'SQLCMD') -or (-not $s.RunAsAdmin)) { throw "Login failed for user '$($s.RunAs)'. Reason: Server is in single user mode. Only one administrator can connect at this time." }
            return 'sysadmin'
        }
        if (-not $s.Logins.ContainsKey($s.RunAs)) { throw "Login failed for user '$($s.RunAs)'." }
        if ($s.Logins[$s.RunAs].SysAdmin) { return 'sysadmin' }
        return 'login'
    }
    function global:Get-SqlText {
        param([string] $Text)
        return $Text.Replace("''", "'")
    }
    function global:Get-SqlNames {
        param([string] $Statement, [string] $Pattern)
        return @([regex]::Matches($Statement, $Pattern) | ForEach-Object { $_.Groups[1].Value.Replace(']]', ']') })
    }
    function Get-SqlEvent {
        return @($global:Sql.Events)
    }
}

Describe 'site-sql-image.ps1' {
    BeforeEach {
        . Use-FakeClock
        Mock Get-CimInstance { [pscustomobject]@{ TotalPhysicalMemory = [uint64] 16GB } } -ParameterFilter { $ClassName -eq 'Win32_ComputerSystem' }
        Mock Get-Service {
            if (-not $global:Sql.Exists) { return }
            if ($DependentServices) { return @([pscustomobject]@{ Name = 'SQLSERVERAGENT'; Status = $global:Sql.Agent }) }
            [pscustomobject]@{ Name = 'MSSQLSERVER'; Status = $global:Sql.Engine }
        } -ParameterFilter { $Name -eq 'MSSQLSERVER' }
        Mock Get-Service { if ($global:Sql.Exists) { [pscustomobject]@{ Name = 'SQLSERVERAGENT'; Status = $global:Sql.Agent } } } -ParameterFilter { $Name -eq 'SQLSERVERAGENT' }
        Mock Stop-Service {
            $global:Sql.Events.Add("stop $Name")
            if ($Name -eq 'SQLSERVERAGENT') { $global:Sql.Agent = 'Stopped'; return }
            if ($global:Sql.Agent -eq 'Running') { throw "Cannot stop service 'SQL Server (MSSQLSERVER) (MSSQLSERVER)' because it has dependent services. It can only be stopped if the Force flag is set." }
            $global:Sql.Engine = 'Stopped'; $global:Sql.Mode = ''
        }
        Mock Start-Service {
            $global:Sql.Events.Add("start $Name")
            if ($Name -eq 'SQLSERVERAGENT') {
                if ($global:Sql.Engine -ne 'Running') { throw 'the agent needs the engine' }
                $global:Sql.Agent = 'Running'; return
            }
            if ($global:Sql.Engine -ne 'Running') { Start-ModelEngine -Mode 'normal' }
        }
        Mock net.exe {
            $global:Sql.Events.Add("net $($args -join ' ')")
            if ($global:Sql.Engine -eq 'Running') { $global:LASTEXITCODE = 2; return }
            if (@($args) -join ' ' -ceq 'start MSSQLSERVER /mSQLCMD') { Start-ModelEngine -Mode 'single' }
            $global:LASTEXITCODE = 0
        }
        Mock Get-ItemProperty {
            switch ($LiteralPath) {
                'HKLM:\SOFTWARE\Microsoft\Microsoft SQL Server\Instance Names\SQL' { return [pscustomobject]@{ MSSQLSERVER = 'MSSQL16.MSSQLSERVER' } }
                $TcpKey { return [pscustomobject] $global:Sql.Tcp }
                "$TcpKey\IPAll" { return [pscustomobject] $global:Sql.IPAll }
            }
            throw "unexpected registry read: $LiteralPath"
        }
        Mock Set-ItemProperty {
            $global:Sql.Events.Add("registry $Name=$Value")
            if (-not $global:Sql.RegistryStick) { return }
            if ($LiteralPath -eq $TcpKey) { $global:Sql.Tcp[$Name] = $Value }
            elseif ($LiteralPath -eq "$TcpKey\IPAll") { $global:Sql.IPAll[$Name] = $Value }
            else { throw "unexpected registry write: $LiteralPath" }
        }
        Mock Get-SqlScalar {
            $s = $global:Sql
            $access = Connect-Model -ApplicationName $ApplicationName
            if ($Query -eq 'SELECT 1') { return 1 }
            if ($Query -match 'server_role_members') {
                # A login that is not sysadmin sees no other login's memberships.
                if ($access -ne 'sysadmin') { return 0 }
                $name = Get-SqlText ([regex]::Match($Query, "SUSER_SID\(N'((?:[^']|'')*)'\)").Groups[1].Value)
                return $(if ($s.Logins.ContainsKey($name) -and $s.Logins[$name].SysAdmin) { 1 } else { 0 })
            }
            if ($Query -match "IS_SRVROLEMEMBER\('sysadmin'\)") { return $(if ($access -eq 'sysadmin') { 1 } else { 0 }) }
            if ($Query -match "SERVERPROPERTY\('Collation'\)") { return $s.Collation }
            if ($Query -match "SERVERPROPERTY\('MachineName'\)") { return $s.Machine }
            if ($Query -match '@@SERVERNAME') { return $(if ($s.ServerName) { $s.ServerName } else { [DBNull]::Value }) }
            if ($Query -match 'sys\.servers WHERE server_id = 0') { return $(if ($s.Entry) { $s.Entry } else { $null }) }
            if ($Query -match 'compatibility_level') { return $s.ModelLevel }
            if ($Query -match 'max server memory') { return $s.MaxMemory }
            if ($Query -match 'min server memory') { return $s.MinMemory }
            if ($Query -match 'dm_tcp_listener_states.*port = (\d+)') { return $(if ($s.ListenerPort -eq [int] $Matches[1]) { 2 } else { 0 }) }
            throw "unexpected query: $Query"
        }
        Mock Set-SqlOption {
            $s = $global:Sql
            $access = Connect-Model -ApplicationName $ApplicationName
            if ($access -ne 'sysadmin') { throw 'User does not have permission to perform this action.' }
            $s.Statements.Add([pscustomobject]@{ Statement = $Statement; ApplicationName = $ApplicationName })
            $s.Events.Add("sql $ApplicationName")
            if (-not $s.OptionsStick) { return }
            foreach ($name in (Get-SqlNames $Statement 'CREATE LOGIN \[((?:[^\]]|\]\])*)\] FROM WINDOWS')) {
                if (-not $s.Logins.ContainsKey($name)) { $s.Logins[$name] = @{ Name = $name; SysAdmin = $false } }
            }
            foreach ($name in (Get-SqlNames $Statement 'ALTER SERVER ROLE sysadmin ADD MEMBER \[((?:[^\]]|\]\])*)\]')) {
                if (-not $s.Logins.ContainsKey($name)) { throw "Cannot add the principal '$name', because it does not exist" }
                $s.Logins[$name].SysAdmin = $true
            }
            $m = [regex]::Match($Statement, "sp_dropserver N'((?:[^']|'')*)', 'droplogins'")
            if ($m.Success) {
                if ($s.Entry -ne (Get-SqlText $m.Groups[1].Value)) { throw "The server '$($m.Groups[1].Value)' does not exist." }
                $s.Entry = $null
            }
            $m = [regex]::Match($Statement, "sp_addserver N'((?:[^']|'')*)', 'local'")
            if ($m.Success) {
                if ($s.Entry) { throw 'The local server is already defined.' }
                $s.Entry = Get-SqlText $m.Groups[1].Value
            }
            # In statement order, as RECONFIGURE checks each: min never above max.
            foreach ($c in [regex]::Matches($Statement, "sp_configure '(max|min) server memory \(MB\)', (\d+); RECONFIGURE;")) {
                $value = [int] $c.Groups[2].Value
                if ($c.Groups[1].Value -eq 'max') {
                    if ($value -lt $s.MinMemory) { throw 'max server memory below min server memory' }
                    $s.MaxMemory = $value
                } else {
                    if ($value -gt $s.MaxMemory) { throw 'min server memory above max server memory' }
                    $s.MinMemory = $value
                }
            }
            if ($Statement -match 'ALTER DATABASE model SET COMPATIBILITY_LEVEL = (\d+);') { $s.ModelLevel = [int] $Matches[1] }
        }
        $global:Sql = $null
    }

    It 'on a fresh image (run-as user without a login, SYSTEM not sysadmin) adds both to sysadmin in single-user mode, then fixes the rest' {
        Set-Sql -ServerName 'WIN-SQLIMAGE' -Enabled 0 -TcpPort '' -TcpDynamicPorts '0'
        $r = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        # Single-user route: Agent stopped first, the instance started for SQLCMD only, the logins
        # added through that connection, then a normal start and the Agent started again.
        (Get-SqlEvent)[0..6] | Should -Be @('stop SQLSERVERAGENT', 'stop MSSQLSERVER', 'net start MSSQLSERVER /mSQLCMD', 'sql SQLCMD', 'stop MSSQLSERVER', 'start MSSQLSERVER', 'start SQLSERVERAGENT')
        $grant = $global:Sql.Statements[0]
        $grant.ApplicationName | Should -BeExactly 'SQLCMD'
        $grant.Statement | Should -Match ([regex]::Escape('CREATE LOGIN [CORP\labadmin] FROM WINDOWS; ALTER SERVER ROLE sysadmin ADD MEMBER [CORP\labadmin];'))
        $grant.Statement | Should -Match ([regex]::Escape('ALTER SERVER ROLE sysadmin ADD MEMBER [NT AUTHORITY\SYSTEM];'))
        $global:Sql.Logins[$Admin].SysAdmin | Should -BeTrue
        $global:Sql.Logins[$System].SysAdmin | Should -BeTrue
        # Then, in normal mode as the now-sysadmin admin: the rest, and one restart for name and TCP.
        @($global:Sql.Statements | Select-Object -Skip 1 | Where-Object { $_.ApplicationName -ne '' }).Count | Should -Be 0
        @(Get-SqlEvent | Where-Object { $_ -like 'net *' }).Count | Should -Be 1
        (Get-SqlEvent)[-4..-1] | Should -Be @('stop SQLSERVERAGENT', 'stop MSSQLSERVER', 'start MSSQLSERVER', 'start SQLSERVERAGENT')
        $global:Sql.Mode | Should -Be 'normal'
        $global:Sql.Agent | Should -Be 'Running'
        $global:Sql.ServerName | Should -Be 'CM01'
        $global:Sql.MaxMemory | Should -Be $ExpectedMaxMb
        $global:Sql.MinMemory | Should -Be $ExpectedMinMb
        $global:Sql.ModelLevel | Should -Be 150
        $global:Sql.ListenerPort | Should -Be 1433
        $r.Output | Should -Contain "SQL Server ready for ConfigMgr (collation $Collation; sysadmin: CORP\labadmin, NT AUTHORITY\SYSTEM; max $ExpectedMaxMb MB, min $ExpectedMinMb MB; TCP port 1433)"
    }

    It 'changes nothing when the instance is already as ConfigMgr needs it (second run)' {
        Set-SqlDone
        $r = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Set-SqlOption -Times 0 -Exactly
        Should -Invoke Set-ItemProperty -Times 0 -Exactly
        Should -Invoke Stop-Service -Times 0 -Exactly
        Should -Invoke Start-Service -Times 0 -Exactly
        Should -Invoke net.exe -Times 0 -Exactly
    }

    It 'a second run after the fresh-image run changes nothing' {
        Set-Sql -ServerName 'WIN-SQLIMAGE' -Enabled 0
        $r = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $before = (Get-SqlEvent).Count
        $r2 = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters $Params
        $r2.ExitCode | Should -Be 0 -Because $r2.Text
        (Get-SqlEvent).Count | Should -Be $before
    }

    It 'fails naming the fix (sqlSource download) and changes nothing when the collation differs' {
        Set-Sql -InstalledCollation 'Latin1_General_CI_AS' -Logins @{ 'CORP\labadmin' = $false; 'NT AUTHORITY\SYSTEM' = $false }
        $r = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match "site-sql-image failed: the server collation is Latin1_General_CI_AS, not $Collation \(the server collation is set at install; changing it rebuilds the system databases: set cmg-lab:site.sqlSource to download"
        Should -Invoke Set-SqlOption -Times 0 -Exactly
        Should -Invoke Stop-Service -Times 0 -Exactly
        Should -Invoke net.exe -Times 0 -Exactly
        Should -Invoke Set-ItemProperty -Times 0 -Exactly
    }

    It 'with no login at all, reads a wrong collation in single-user mode, adds no login and restarts normally' {
        Set-Sql -InstalledCollation 'Latin1_General_CI_AS'
        $r = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'the server collation is Latin1_General_CI_AS, not SQL_Latin1_General_CP1_CI_AS .*set cmg-lab:site.sqlSource to download'
        Should -Invoke Set-SqlOption -Times 0 -Exactly
        $global:Sql.Logins.ContainsKey($Admin) | Should -BeFalse
        $global:Sql.Mode | Should -Be 'normal'
        $global:Sql.Agent | Should -Be 'Running'
    }

    It 'adds only the missing SYSTEM login, without single-user mode, when the run-as user is sysadmin' {
        Set-SqlDone
        $global:Sql.Logins[$System].SysAdmin = $false
        $r = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Sql.Statements.Count | Should -Be 1
        $global:Sql.Statements[0].Statement | Should -BeExactly 'IF NOT EXISTS (SELECT 1 FROM sys.server_principals WHERE sid = SUSER_SID(N''NT AUTHORITY\SYSTEM'')) CREATE LOGIN [NT AUTHORITY\SYSTEM] FROM WINDOWS; ALTER SERVER ROLE sysadmin ADD MEMBER [NT AUTHORITY\SYSTEM];'
        $global:Sql.Statements[0].ApplicationName | Should -Be ''
        $global:Sql.Logins[$System].SysAdmin | Should -BeTrue
        Should -Invoke net.exe -Times 0 -Exactly
        Should -Invoke Stop-Service -Times 0 -Exactly
    }

    It 'renames the local server entry to the computer name and restarts once' {
        Set-SqlDone
        $global:Sql.ServerName = 'WIN-SQLIMAGE'; $global:Sql.Entry = 'WIN-SQLIMAGE'
        $r = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Sql.Statements.Count | Should -Be 1
        $global:Sql.Statements[0].Statement | Should -BeExactly "EXEC sp_dropserver N'WIN-SQLIMAGE', 'droplogins'; EXEC sp_addserver N'CM01', 'local';"
        Get-SqlEvent | Should -Be @('sql ', 'stop SQLSERVERAGENT', 'stop MSSQLSERVER', 'start MSSQLSERVER', 'start SQLSERVERAGENT')
        $global:Sql.ServerName | Should -Be 'CM01'
    }

    It 'only restarts when the server entry was renamed but the restart did not happen (rerun)' {
        Set-SqlDone
        $global:Sql.ServerName = 'WIN-SQLIMAGE'
        $r = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Set-SqlOption -Times 0 -Exactly
        Get-SqlEvent | Should -Be @('stop SQLSERVERAGENT', 'stop MSSQLSERVER', 'start MSSQLSERVER', 'start SQLSERVERAGENT')
        $global:Sql.ServerName | Should -Be 'CM01'
    }

    It 'sets memory and TCP 1433 (enabled, static, on all IPs) and restarts once; the Agent stopped stays stopped' {
        Set-SqlDone
        $global:Sql.MaxMemory = 2147483647; $global:Sql.MinMemory = 0
        $global:Sql.Tcp.Enabled = 0; $global:Sql.Tcp.ListenOnAllIPs = 0; $global:Sql.IPAll.TcpPort = ''; $global:Sql.IPAll.TcpDynamicPorts = '0'
        $global:Sql.Agent = 'Stopped'
        Update-Listener
        $r = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Sql.Statements.Count | Should -Be 1
        $global:Sql.Statements[0].Statement | Should -BeExactly "EXEC sp_configure 'show advanced options', 1; RECONFIGURE; EXEC sp_configure 'min server memory (MB)', $ExpectedMinMb; RECONFIGURE; EXEC sp_configure 'max server memory (MB)', $ExpectedMaxMb; RECONFIGURE;"
        Get-SqlEvent | Should -Be @('sql ', 'registry Enabled=1', 'registry ListenOnAllIPs=1', 'registry TcpPort=1433', 'registry TcpDynamicPorts=', 'stop MSSQLSERVER', 'start MSSQLSERVER')
        $global:Sql.Tcp.Enabled | Should -BeOfType [int]
        $global:Sql.ListenerPort | Should -Be 1433
        $global:Sql.MaxMemory | Should -Be $ExpectedMaxMb
        $global:Sql.MinMemory | Should -Be $ExpectedMinMb
        $global:Sql.Agent | Should -Be 'Stopped'
    }

    It 'raises max server memory before min when the new min is above the current max' {
        Set-SqlDone
        $global:Sql.MaxMemory = 4096; $global:Sql.MinMemory = 1024
        $r = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Sql.Statements[0].Statement | Should -BeExactly "EXEC sp_configure 'show advanced options', 1; RECONFIGURE; EXEC sp_configure 'max server memory (MB)', $ExpectedMaxMb; RECONFIGURE; EXEC sp_configure 'min server memory (MB)', $ExpectedMinMb; RECONFIGURE;"
        $global:Sql.MinMemory | Should -Be $ExpectedMinMb
    }

    It 'keeps min server memory at max server memory on a VM too small for 8 GB reserved (8 GB: 4915 MB each)' {
        Set-SqlDone
        Mock Get-CimInstance { [pscustomobject]@{ TotalPhysicalMemory = [uint64] 8GB } } -ParameterFilter { $ClassName -eq 'Win32_ComputerSystem' }
        $r = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Sql.MaxMemory | Should -Be 4915
        $global:Sql.MinMemory | Should -Be 4915
    }

    It 'restarts when the registry is right but the running instance does not listen on 1433' {
        Set-SqlDone
        $global:Sql.ListenerPort = 0
        $r = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Set-ItemProperty -Times 0 -Exactly
        Get-SqlEvent | Should -Be @('stop SQLSERVERAGENT', 'stop MSSQLSERVER', 'start MSSQLSERVER', 'start SQLSERVERAGENT')
        $global:Sql.ListenerPort | Should -Be 1433
    }

    It 'fails naming each setting whose read-back still differs' {
        Set-Sql -Logins @{ 'CORP\labadmin' = $true; 'NT AUTHORITY\SYSTEM' = $true } -ServerName 'WIN-SQLIMAGE' -Enabled 0
        $global:Sql.OptionsStick = $false
        $global:Sql.RegistryStick = $false
        $r = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'SQL Server is not as ConfigMgr needs it: '
        $r.Text | Should -Match 'the model database is at compatibility level 160, not 150 or lower'
        $r.Text | Should -Match "max server memory is 2147483647 MB, not $ExpectedMaxMb MB"
        $r.Text | Should -Match "min server memory is 0 MB, not $ExpectedMinMb MB"
        $r.Text | Should -Match "@@SERVERNAME is 'WIN-SQLIMAGE', not the computer name 'CM01'"
        $r.Text | Should -Match ([regex]::Escape("TCP/IP setting Enabled is '0', not '1' ($TcpKey)"))
        $r.Text | Should -Match 'SQL Server does not listen for T-SQL on TCP port 1433'
        $r.Text | Should -Not -Match 'is not a member of sysadmin'
    }

    It 'fails naming a login the single-user session could not make sysadmin' {
        Set-Sql
        $global:Sql.OptionsStick = $false
        $r = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'the identity this step runs as is not sysadmin on SQL Server'
        $global:Sql.Mode | Should -Be 'normal'
        $global:Sql.Agent | Should -Be 'Running'
    }

    It 'fails saying to run as the setup user when another identity runs the step' {
        Set-Sql -RunAs 'CORP\someoneelse'
        $r = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('run this step as CORP\labadmin'))
        $global:Sql.Logins[$Admin].SysAdmin | Should -BeTrue
    }

    It 'fails, back in normal mode with the Agent running, when single-user mode refuses a non-elevated identity' {
        Set-Sql -RunAsAdmin $false
        $r = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'SQL Server in single-user mode refused this identity for 3 minutes .*only a local administrator with an elevated token connects'
        Should -Invoke Set-SqlOption -Times 0 -Exactly
        (Get-SqlEvent)[-3..-1] | Should -Be @('stop MSSQLSERVER', 'start MSSQLSERVER', 'start SQLSERVERAGENT')
        $global:Sql.Mode | Should -Be 'normal'
        $global:Sql.Agent | Should -Be 'Running'
    }

    It 'fails with the exit code when net start cannot start single-user mode, and starts the instance normally' {
        Set-Sql
        Mock net.exe { $global:Sql.Events.Add('net'); $global:LASTEXITCODE = 2 }
        $r = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'net start MSSQLSERVER /mSQLCMD \(single-user mode\) failed with exit code 2'
        $global:Sql.Engine | Should -Be 'Running'
        $global:Sql.Mode | Should -Be 'normal'
        $global:Sql.Agent | Should -Be 'Running'
    }

    It 'starts a stopped instance and waits until it accepts connections' {
        Set-SqlDone
        $global:Sql.Engine = 'Stopped'; $global:Sql.Agent = 'Stopped'; $global:Sql.WarmUp = 4
        $r = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Get-SqlEvent | Should -Be @('start MSSQLSERVER')
        Should -Invoke Start-Sleep -Times 4 -Exactly
        Should -Invoke Set-SqlOption -Times 0 -Exactly
    }

    It 'fails after 3 minutes when the instance never accepts a connection' {
        Set-SqlDone
        $global:Sql.Warming = [int]::MaxValue
        $r = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'SQL Server \(MSSQLSERVER\) did not accept a connection within 3 minutes of starting'
        ((Get-FakeNow) - [datetime]::new(2026, 1, 1, 8, 0, 0)).TotalMinutes | Should -BeLessThan 4
    }

    It 'fails saying to use sqlSource download when the VM has no MSSQLSERVER service' {
        Set-Sql -Exists $false
        $r = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'there is no MSSQLSERVER service: the VM was not built from the SQL Server image \(MicrosoftSQLServer:sql2022-ws2022:sqldev-gen2\)\. Set cmg-lab:site.sqlSource to download'
        Should -Invoke Start-Service -Times 0 -Exactly
        Should -Invoke Get-SqlScalar -Times 0 -Exactly
    }

    It 'receives a setup user with spaces, quotes, ], $, % and non-ASCII intact and quotes it in T-SQL' {
        $odd = "CORP\$LabAwkwardText]x"
        Set-Sql -RunAs $odd
        $r = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters @{ SqlSysAdmin = $odd }
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Sql.Logins.ContainsKey($odd) | Should -BeTrue
        $global:Sql.Logins[$odd].SysAdmin | Should -BeTrue
        $global:Sql.Statements[0].Statement | Should -Match ([regex]::Escape("SUSER_SID(N'$($odd.Replace("'", "''"))')"))
        $global:Sql.Statements[0].Statement | Should -Match ([regex]::Escape("CREATE LOGIN [$($odd.Replace(']', ']]'))] FROM WINDOWS"))
    }

    It 'stops before any change when SqlSysAdmin is missing or not DOMAIN\user' -TestCases @(
        @{ Value = $null }
        @{ Value = '' }
        @{ Value = 'labadmin' }
        @{ Value = 'CORP\lab\admin' }
        @{ Value = '\labadmin' }
    ) {
        Set-Sql
        $p = @{}
        if ($null -ne $Value) { $p.SqlSysAdmin = $Value }
        $r = Invoke-LabScript -Name 'site-sql-image.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match 'SqlSysAdmin'
        Should -Invoke Get-SqlScalar -Times 0 -Exactly
        Should -Invoke Stop-Service -Times 0 -Exactly
        Should -Invoke Set-SqlOption -Times 0 -Exactly
    }
}
