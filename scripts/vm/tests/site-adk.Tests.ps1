# site-adk.ps1: the Windows ADK (Deployment Tools, USMT) and the WinPE add-on installed from the
# offline layouts, detected by their files. Model ($global:Vm): files by path; the installers add
# the kit's files when they succeed.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    function global:ConvertTo-ModelPath {
        param([string] $Path)
        return ($Path -replace '\\', '/')
    }
    $script:Kit = 'C:\Program Files (x86)\Windows Kits\10\Assessment and Deployment Kit'
    $script:AdkFiles = @("$Kit\Deployment Tools\amd64\DISM\dism.exe", "$Kit\User State Migration Tool\amd64\scanstate.exe")
    $script:WinPeFiles = @("$Kit\Windows Preinstallation Environment\amd64\en-us\winpe.wim")
    $script:Params = @{ MediaRoot = 'C:\CMLab\Media' }

    function Set-Vm {
        param([string] $Media = 'C:\CMLab\Media', [string[]] $Files = @())
        $global:Vm = @{ Files = @{}; Runs = New-Object System.Collections.Generic.List[object]; ExitCode = 0; Installs = $true }
        foreach ($f in @("$Media\Adk\Layout\adksetup.exe", "$Media\WinPE\Layout\adkwinpesetup.exe") + $Files) { $global:Vm.Files[(ConvertTo-ModelPath $f)] = $true }
    }
}

Describe 'site-adk.ps1' {
    BeforeEach {
        Mock Test-Path { $global:Vm.Files.ContainsKey((ConvertTo-ModelPath $LiteralPath)) }
        Mock Start-Process {
            $leaf = (ConvertTo-ModelPath $FilePath).Split('/')[-1]
            $global:Vm.Runs.Add([pscustomobject]@{ Program = $leaf; FilePath = $FilePath; Arguments = @($ArgumentList) })
            if ($global:Vm.Installs -and ($global:Vm.ExitCode -in 0, 3010)) {
                $files = if ($leaf -eq 'adksetup.exe') { $AdkFiles } else { $WinPeFiles }
                foreach ($f in $files) { $global:Vm.Files[(ConvertTo-ModelPath $f)] = $true }
            }
            [pscustomobject]@{ ExitCode = $global:Vm.ExitCode }
        }
    }

    It 'installs the ADK features, then the WinPE add-on, quietly without restart, and reads both back' {
        Set-Vm
        $r = Invoke-LabScript -Name 'site-adk.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        @($global:Vm.Runs.Program) | Should -Be @('adksetup.exe', 'adkwinpesetup.exe')
        $global:Vm.Runs[0].Arguments | Should -Be @('/quiet', '/norestart', '/ceip', 'off', '/features', 'OptionId.DeploymentTools', 'OptionId.UserStateMigrationTool')
        $global:Vm.Runs[1].Arguments | Should -Be @('/quiet', '/norestart', '/ceip', 'off', '/features', 'OptionId.WindowsPreinstallationEnvironment')
        $r.Output | Should -Contain 'Windows ADK and Windows PE add-on installed'
    }

    It 'changes nothing when both kits are installed (second run)' {
        Set-Vm -Files ($AdkFiles + $WinPeFiles)
        $r = Invoke-LabScript -Name 'site-adk.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Start-Process -Times 0 -Exactly
    }

    It 'accepts exit code 3010 (restart wanted) as success' {
        Set-Vm
        $global:Vm.ExitCode = 3010
        $r = Invoke-LabScript -Name 'site-adk.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
    }

    It 'fails naming the installer and its exit code' {
        Set-Vm
        $global:Vm.ExitCode = 1603
        $r = Invoke-LabScript -Name 'site-adk.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'adksetup.exe exited with code 1603'
    }

    It 'fails the read-back when the installer reports success but the files are not there' {
        Set-Vm
        $global:Vm.Installs = $false
        $r = Invoke-LabScript -Name 'site-adk.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'the Windows ADK or its Windows PE add-on is not installed'
    }

    It 'fails before installing when the layout is missing (site-media not done)' {
        Set-Vm -Media 'C:\elsewhere'
        $r = Invoke-LabScript -Name 'site-adk.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'adksetup.exe not found \(is the site-media step done\?\)'
        Should -Invoke Start-Process -Times 0 -Exactly
    }

    It 'receives a media folder with spaces, quotes, $, % and non-ASCII intact' {
        $media = "C:\CM Lab 'x' é %y% `$z"
        Set-Vm -Media $media
        $r = Invoke-LabScript -Name 'site-adk.ps1' -Parameters @{ MediaRoot = $media }
        $r.ExitCode | Should -Be 0 -Because $r.Text
        (ConvertTo-ModelPath $global:Vm.Runs[0].FilePath) | Should -BeExactly (ConvertTo-ModelPath "$media\Adk\Layout\adksetup.exe")
    }

    It 'stops before any change when MediaRoot is missing or empty' -TestCases @(@{ Value = $null }, @{ Value = '' }) {
        Set-Vm
        $p = @{}
        if ($null -ne $Value) { $p.MediaRoot = $Value }
        $r = Invoke-LabScript -Name 'site-adk.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match 'MediaRoot'
        Should -Invoke Start-Process -Times 0 -Exactly
    }
}
