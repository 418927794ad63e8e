# cmg-client-share.ps1: the read-only client source share on the DC, made and read back.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Params = @{ ShareName = 'CmgLabClient'; SharePath = 'C:\CmgLabClient' }

    # The DC's shares (name -> path) and folders.
    function Set-Server {
        param([hashtable] $Shares = @{}, [string[]] $Folders = @())
        $global:Server = @{ Shares = $Shares; Folders = [System.Collections.Generic.List[string]] @($Folders); NetArgs = $null; IcaclsArgs = $null }
    }
}

Describe 'cmg-client-share.ps1' {
    BeforeEach {
        Mock Get-CimInstance {
            $m = [regex]::Match($Filter, "^Name='(.*)'$")
            if (-not $m.Success) { throw "unexpected filter $Filter" }
            $name = $m.Groups[1].Value
            if ($global:Server.Shares.ContainsKey($name)) { [pscustomobject]@{ Name = $name; Path = $global:Server.Shares[$name] } }
        } -ParameterFilter { $ClassName -eq 'Win32_Share' }
        Mock Test-Path { $global:Server.Folders.Contains($LiteralPath) }
        Mock New-Item { if (-not $global:Server.Folders.Contains($Path)) { $global:Server.Folders.Add($Path) } } -ParameterFilter { $ItemType -eq 'Directory' }
        Mock net.exe {
            $global:Server.NetArgs = @($args)
            $name, $path = ([string] $args[1]).Split('=', 2)
            $global:Server.Shares[$name] = $path
            $global:LASTEXITCODE = 0
        }
        Mock icacls.exe { $global:Server.IcaclsArgs = @($args); $global:LASTEXITCODE = 0 }
    }

    It 'makes the folder and the share with read for Authenticated Users, and reads it back' {
        Set-Server
        $r = Invoke-LabScript -Name 'cmg-client-share.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Server.Shares['CmgLabClient'] | Should -Be 'C:\CmgLabClient'
        $global:Server.NetArgs | Should -Be @('share', 'CmgLabClient=C:\CmgLabClient', '/GRANT:Authenticated Users,READ', '/GRANT:Domain Admins,FULL', '/REMARK:cmg-lab ConfigMgr client source')
        $global:Server.IcaclsArgs | Should -Be @('C:\CmgLabClient', '/grant', 'Domain Admins:(OI)(CI)F')
        $r.Output | Should -Contain 'Share \\CM01\CmgLabClient -> C:\CmgLabClient'
    }

    It 'changes nothing when the share exists at the path (second run)' {
        Set-Server -Shares @{ CmgLabClient = 'C:\CmgLabClient' } -Folders @('C:\CmgLabClient')
        $r = Invoke-LabScript -Name 'cmg-client-share.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke net.exe -Times 0 -Exactly
        Should -Invoke icacls.exe -Times 0 -Exactly
        Should -Invoke New-Item -Times 0 -Exactly
    }

    It 'fails naming the share when net share reports success but no share appears' {
        Set-Server
        Mock net.exe { $global:LASTEXITCODE = 0 }
        $r = Invoke-LabScript -Name 'cmg-client-share.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('the share CmgLabClient (C:\CmgLabClient) does not exist'))
    }

    It 'fails naming the share and the exit code when net share fails' {
        Set-Server
        Mock net.exe { $global:LASTEXITCODE = 2 }
        $r = Invoke-LabScript -Name 'cmg-client-share.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'net share CmgLabClient failed with exit code 2'
        Should -Invoke icacls.exe -Times 0 -Exactly
    }

    It 'refuses a share of that name on another folder, naming both paths' {
        Set-Server -Shares @{ CmgLabClient = 'D:\Old' } -Folders @('D:\Old')
        $r = Invoke-LabScript -Name 'cmg-client-share.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('the share CmgLabClient exists for D:\Old, not C:\CmgLabClient'))
        Should -Invoke net.exe -Times 0 -Exactly
    }

    It 'receives a share name and path with spaces, $, % and non-ASCII intact' {
        Set-Server
        $p = @{ ShareName = 'Cmg Lab é $x'; SharePath = 'C:\Cmg Lab é %PATH% 日本' }
        $r = Invoke-LabScript -Name 'cmg-client-share.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Server.NetArgs[1] | Should -Be 'Cmg Lab é $x=C:\Cmg Lab é %PATH% 日本'
        $global:Server.IcaclsArgs[0] | Should -Be 'C:\Cmg Lab é %PATH% 日本'
    }

    It 'stops before any change when <Case>' -ForEach @(
        @{ Case = 'ShareName is missing'; Key = 'ShareName'; Value = $null }
        @{ Case = 'SharePath is empty'; Key = 'SharePath'; Value = '' }
    ) {
        Set-Server
        $p = $Params.Clone()
        if ($null -eq $Value) { $p.Remove($Key) } else { $p[$Key] = $Value }
        $r = Invoke-LabScript -Name 'cmg-client-share.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match $Key
        Should -Invoke net.exe -Times 0 -Exactly
        Should -Invoke New-Item -Times 0 -Exactly
    }
}
