# site-sql.ps1: SQL Server 2022 installed with ConfigMgr's collation, then max and min server memory
# and the model database's compatibility level set and read back. The machine is an in-memory model
# ($global:Vm): the MSSQLSERVER service, the server settings a query reads, the pending-restart
# flags and the setup program, which installs with the collation it is given.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    # The script's thin wrappers around System.Data.SqlClient (mocked below).
    function global:Get-SqlScalar {
        param([string] $Query)
    }
    function global:Set-SqlOption {
        param([string] $Statement)
    }

    $script:Collation = 'SQL_Latin1_General_CP1_CI_AS'
    $script:CbsKey = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending'
    $script:WuKey = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired'
    $script:Params = @{ MediaRoot = 'C:\CMLab\Media'; SqlSysAdmin = 'CORP\labadmin' }
    # 16 GB of memory: 60 % is 9830 MB; 8 GB reserved for a primary site.
    $script:ExpectedMaxMb = 9830
    $script:ExpectedMinMb = 8192

    function Set-Vm {
        param([bool] $Installed = $false, [string] $InstalledCollation = $Collation, [int] $ModelLevel = 160, [int] $MaxMemory = 2147483647, [int] $MinMemory = 0, [string[]] $Flags = @(), [string] $Setup = 'C:\CMLab\Media\Sql\Setup\setup.exe')
        $global:Vm = @{
            Installed = $Installed; Collation = $InstalledCollation; ModelLevel = $ModelLevel; MaxMemory = $MaxMemory; MinMemory = $MinMemory
            Flags = @($Flags | ForEach-Object { $_ -replace '\\', '/' }); Setup = ($Setup -replace '\\', '/')
            SetupArguments = $null; SetupExitCode = 0; OptionsStick = $true; Statements = New-Object System.Collections.Generic.List[string]
            Events = New-Object System.Collections.Generic.List[string]
        }
    }
}

Describe 'site-sql.ps1' {
    BeforeEach {
        . Use-FakeClock
        Mock Test-Path {
            $k = $LiteralPath -replace '\\', '/'
            ($global:Vm.Flags -contains $k) -or ($k -eq $global:Vm.Setup)
        }
        Mock Get-Service { if ($global:Vm.Installed) { [pscustomobject]@{ Name = 'MSSQLSERVER'; Status = 'Running' } } } -ParameterFilter { $Name -eq 'MSSQLSERVER' }
        Mock Get-CimInstance { [pscustomobject]@{ TotalPhysicalMemory = [uint64] 16GB } } -ParameterFilter { $ClassName -eq 'Win32_ComputerSystem' }
        Mock Start-Process {
            $global:Vm.SetupArguments = @($ArgumentList)
            if ($global:Vm.SetupExitCode -eq 0) {
                $global:Vm.Installed = $true
                $global:Vm.Collation = (@($ArgumentList) | Where-Object { $_ -like '/SQLCOLLATION=*' }) -replace '^/SQLCOLLATION=', ''
            }
            [pscustomobject]@{ ExitCode = $global:Vm.SetupExitCode }
        } -ParameterFilter { ($FilePath -replace '\\', '/') -eq $global:Vm.Setup }
        Mock Get-SqlScalar {
            if ($Query -match 'Collation') { return $global:Vm.Collation }
            if ($Query -match 'compatibility_level') { return $global:Vm.ModelLevel }
            if ($Query -match 'max server memory') { $global:Vm.Events.Add('read max'); return $global:Vm.MaxMemory }
            if ($Query -match 'min server memory') { $global:Vm.Events.Add('read min'); return $global:Vm.MinMemory }
            throw "unexpected query: $Query"
        }
        Mock Set-SqlOption {
            $global:Vm.Statements.Add($Statement)
            $global:Vm.Events.Add('set')
            if (-not $global:Vm.OptionsStick) { return }
            # In statement order, as RECONFIGURE checks each: min never above max.
            foreach ($c in [regex]::Matches($Statement, "sp_configure '(max|min) server memory \(MB\)', (\d+); RECONFIGURE;")) {
                $value = [int] $c.Groups[2].Value
                if ($c.Groups[1].Value -eq 'max') {
                    if ($value -lt $global:Vm.MinMemory) { throw 'max server memory below min server memory' }
                    $global:Vm.MaxMemory = $value
                } else {
                    if ($value -gt $global:Vm.MaxMemory) { throw 'min server memory above max server memory' }
                    $global:Vm.MinMemory = $value
                }
            }
            if ($Statement -match 'ALTER DATABASE model SET COMPATIBILITY_LEVEL = (\d+);') { $global:Vm.ModelLevel = [int] $Matches[1] }
        }
    }

    It 'installs the Database Engine with ConfigMgr''s collation and the admin as sysadmin, then sets memory and level 150' {
        Set-Vm
        $r = Invoke-LabScript -Name 'site-sql.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Vm.SetupArguments | Should -Contain '/ACTION=Install'
        $global:Vm.SetupArguments | Should -Contain '/FEATURES=SQLENGINE'
        $global:Vm.SetupArguments | Should -Contain '/INSTANCENAME=MSSQLSERVER'
        $global:Vm.SetupArguments | Should -Contain '/SQLSYSADMINACCOUNTS="CORP\labadmin" "BUILTIN\Administrators"'
        $global:Vm.SetupArguments | Should -Contain '/IACCEPTSQLSERVERLICENSETERMS'
        $global:Vm.Collation | Should -Be $Collation
        $global:Vm.MaxMemory | Should -Be $ExpectedMaxMb
        $global:Vm.MinMemory | Should -Be $ExpectedMinMb
        $global:Vm.ModelLevel | Should -Be 150
        $r.Output | Should -Contain "SQL Server ready (collation $Collation)"
        # Both memory settings are read again after the last change.
        $afterSet = @($global:Vm.Events)[($global:Vm.Events.LastIndexOf('set') + 1)..($global:Vm.Events.Count - 1)]
        $afterSet | Should -Contain 'read max'
        $afterSet | Should -Contain 'read min'
    }

    It 'sets min server memory to 8 GB on an installed SQL Server that reserves less, changing nothing else' {
        Set-Vm -Installed $true -ModelLevel 150 -MaxMemory $ExpectedMaxMb -MinMemory 0
        $r = Invoke-LabScript -Name 'site-sql.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Start-Process -Times 0 -Exactly
        $global:Vm.Statements.Count | Should -Be 1
        $global:Vm.Statements[0] | Should -BeExactly "EXEC sp_configure 'show advanced options', 1; RECONFIGURE; EXEC sp_configure 'min server memory (MB)', $ExpectedMinMb; RECONFIGURE;"
        $global:Vm.MinMemory | Should -Be $ExpectedMinMb
        $global:Vm.MaxMemory | Should -Be $ExpectedMaxMb
    }

    It 'raises max server memory before min when the new min is above the current max' {
        Set-Vm -Installed $true -ModelLevel 150 -MaxMemory 4096 -MinMemory 1024
        $r = Invoke-LabScript -Name 'site-sql.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Vm.Statements[0] | Should -BeExactly "EXEC sp_configure 'show advanced options', 1; RECONFIGURE; EXEC sp_configure 'max server memory (MB)', $ExpectedMaxMb; RECONFIGURE; EXEC sp_configure 'min server memory (MB)', $ExpectedMinMb; RECONFIGURE;"
        $global:Vm.MaxMemory | Should -Be $ExpectedMaxMb
        $global:Vm.MinMemory | Should -Be $ExpectedMinMb
    }

    It 'keeps min server memory at max server memory on a VM too small for 8 GB reserved (8 GB: 4915 MB each)' {
        Set-Vm
        Mock Get-CimInstance { [pscustomobject]@{ TotalPhysicalMemory = [uint64] 8GB } } -ParameterFilter { $ClassName -eq 'Win32_ComputerSystem' }
        $r = Invoke-LabScript -Name 'site-sql.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Vm.MaxMemory | Should -Be 4915
        $global:Vm.MinMemory | Should -Be 4915
    }

    It 'changes nothing when SQL Server is installed and configured (second run)' {
        Set-Vm -Installed $true -ModelLevel 150 -MaxMemory $ExpectedMaxMb -MinMemory $ExpectedMinMb
        $r = Invoke-LabScript -Name 'site-sql.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Start-Process -Times 0 -Exactly
        Should -Invoke Set-SqlOption -Times 0 -Exactly
    }

    It 'does not wait for a Windows Update restart that nothing in the build will do' {
        Set-Vm -Flags @($WuKey)
        $r = Invoke-LabScript -Name 'site-sql.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Start-Sleep -Times 0 -Exactly
        (Get-FakeNow) | Should -Be ([datetime]::new(2026, 1, 1, 8, 0, 0))
        $global:Vm.Installed | Should -BeTrue
    }

    It 'fails at once, saying to restart and rerun, when a feature install still waits for its restart' {
        Set-Vm -Flags @($CbsKey)
        $r = Invoke-LabScript -Name 'site-sql.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'a restart is pending on CM01 \(Component Based Servicing: a Windows feature install asked for it'
        $r.Text | Should -Match 'Restart the VM \(az vm restart\), then run pulumi up again'
        Should -Invoke Start-Process -Times 0 -Exactly
        Should -Invoke Start-Sleep -Times 0 -Exactly
    }

    It 'ignores a pending restart once SQL Server is installed (configures it)' {
        Set-Vm -Installed $true -Flags @($CbsKey)
        $r = Invoke-LabScript -Name 'site-sql.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Start-Process -Times 0 -Exactly
        $global:Vm.MaxMemory | Should -Be $ExpectedMaxMb
        $global:Vm.MinMemory | Should -Be $ExpectedMinMb
    }

    It 'fails naming the setup summary log when setup fails' {
        Set-Vm
        $global:Vm.SetupExitCode = 1603
        $r = Invoke-LabScript -Name 'site-sql.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('SQL Server setup exited with code 1603; see C:\Program Files\Microsoft SQL Server\160\Setup Bootstrap\Log\Summary.txt'))
    }

    It 'fails naming each setting that did not stick' {
        Set-Vm -Installed $true
        $global:Vm.OptionsStick = $false
        $r = Invoke-LabScript -Name 'site-sql.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'the model database is at compatibility level 160, not 150 or lower'
        $r.Text | Should -Match "max server memory is 2147483647 MB, not $ExpectedMaxMb MB"
        $r.Text | Should -Match "min server memory is 0 MB, not $ExpectedMinMb MB"
    }

    It 'fails saying a reinstall is needed when an existing SQL Server has another collation' {
        Set-Vm -Installed $true -InstalledCollation 'Latin1_General_CI_AS'
        $r = Invoke-LabScript -Name 'site-sql.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match "the server collation is Latin1_General_CI_AS, not $Collation \(set only at install: reinstall SQL Server\)"
    }

    It 'receives an admin name and a media folder with spaces, $, % and non-ASCII intact' {
        $admin = 'CORP\Lab Admin é ü %x% $y'
        $media = 'C:\CM Lab é\Média'
        Set-Vm -Setup "$media\Sql\Setup\setup.exe"
        $r = Invoke-LabScript -Name 'site-sql.ps1' -Parameters @{ MediaRoot = $media; SqlSysAdmin = $admin }
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Vm.SetupArguments | Should -Contain "/SQLSYSADMINACCOUNTS=`"$admin`" `"BUILTIN\Administrators`""
    }

    It 'stops before any change when a parameter is missing or empty' -TestCases @(
        @{ Key = 'SqlSysAdmin'; Value = $null }
        @{ Key = 'MediaRoot'; Value = '' }
    ) {
        Set-Vm
        $p = $Params.Clone()
        if ($null -eq $Value) { $p.Remove($Key) } else { $p[$Key] = $Value }
        $r = Invoke-LabScript -Name 'site-sql.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match $Key
        Should -Invoke Start-Process -Times 0 -Exactly
        Should -Invoke Set-SqlOption -Times 0 -Exactly
    }
}
