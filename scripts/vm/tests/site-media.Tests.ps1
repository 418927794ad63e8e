# site-media.ps1: the site media downloaded, checked (Microsoft signature, size), marked ready per
# URL, in rounds, with DNS pointed at Azure DNS only while the DC does not answer. The machine is
# an in-memory model ($global:Vm): files by path, the NIC's DNS servers, a resolver that answers
# through Azure DNS (or the DC), the web, and the programs the script runs.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    function global:ConvertTo-ModelPath {
        param([string] $Path)
        return ($Path -replace '\\', '/').TrimEnd('/')
    }
    # The script's thin wrappers around .NET calls (mocked below).
    function global:Resolve-HostAddress {
        param([string] $HostName)
    }
    function global:Expand-ZipFile {
        param([string] $Path, [string] $Destination)
    }

    $script:AzureDns = '168.63.129.16'
    $script:DcDns = '10.42.1.4'
    $script:Mb = 1048576
    $script:Params = @{
        MediaRoot = 'C:\CMLab\Media'
        SqlUrl = 'https://go.microsoft.com/fwlink/?linkid=2215158'
        AdkUrl = 'https://go.microsoft.com/fwlink/?linkid=2289980'
        WinPeUrl = 'https://go.microsoft.com/fwlink/?linkid=2289981'
        ConfigMgrUrl = 'https://go.microsoft.com/fwlink/p/?LinkID=2195628'
        DnsWaitMinutes = '30'
        StartBudgetMinutes = '35'
        SqlDownloadMinutes = '40'
        LastRound = 'true'
    }
    $script:DownloaderLog = '<![LOG[Setup Downloader: download completed]LOG]>'

    function Set-Vm {
        param([string] $Root = 'C:\CMLab\Media')
        $global:Vm = @{
            Root = (ConvertTo-ModelPath $Root)
            Files = @{}
            Dns = @($DcDns)
            DcAnswers = $false
            AzureDnsFromPoll = 0      # Azure DNS answers from this resolver call on
            Resolves = 0
            DnsSets = New-Object System.Collections.Generic.List[string]
            Downloads = New-Object System.Collections.Generic.List[string]
            Runs = New-Object System.Collections.Generic.List[object]
            Stopped = New-Object System.Collections.Generic.List[int]
            Unsigned = @()            # URLs whose file carries no Microsoft signature
            SqlMinutes = 20           # how long the SQL download bootstrapper runs; 0 = hangs
            ExtractorWorks = $true
            PrereqFiles = 12
            WebMinutes = @{}          # URL -> minutes its download takes on the fake clock
            ProgramMinutes = @{}      # program file name -> minutes a program run with -Wait takes
        }
    }
    function global:Add-ModelFile {
        param([string] $Path, [long] $Length = 1048576, [bool] $Signed = $true, [string] $Text = '')
        $global:Vm.Files[(ConvertTo-ModelPath $Path)] = @{ Length = $Length; Signed = $Signed; Text = $Text; Dir = $false }
    }
    function global:Get-ModelPath {
        param([string] $Relative)
        return "$($global:Vm.Root)/$(ConvertTo-ModelPath $Relative)"
    }
    # A started program as Start-Process -PassThru returns it: it ends on the fake clock.
    function global:New-FakeProcess {
        param([double] $Minutes, [int] $ExitCode = 0)
        $p = [pscustomobject]@{ Id = 7100 + $global:Vm.Runs.Count; Handle = [IntPtr] 1; ExitCode = $ExitCode; EndsAt = $(if ($Minutes -gt 0) { (Get-FakeNow).AddMinutes($Minutes) } else { [datetime]::MaxValue }) }
        $p | Add-Member -MemberType ScriptProperty -Name HasExited -Value { $this.EndsAt -le (Get-FakeNow) }
        $p | Add-Member -MemberType ScriptMethod -Name WaitForExit -Value { }
        return $p
    }
    # Every medium in place and marked ready: what a finished first run leaves.
    function Set-MediaReady {
        foreach ($m in @(@('sql', $Params.SqlUrl, 'Sql\Setup\setup.exe'), @('adk', $Params.AdkUrl, 'Adk\Layout\adksetup.exe'),
                @('winpe', $Params.WinPeUrl, 'WinPE\Layout\adkwinpesetup.exe'), @('configmgr', $Params.ConfigMgrUrl, 'ConfigMgr\Media\SMSSETUP\BIN\X64\setup.exe'))) {
            Add-ModelFile -Path (Get-ModelPath "$($m[0]).ready") -Text "$($m[1])`r`n"
            Add-ModelFile -Path (Get-ModelPath $m[2])
        }
    }
}

Describe 'site-media.ps1' {
    BeforeEach {
        . Use-FakeClock
        Set-Vm
        Mock Get-CimInstance { [pscustomobject]@{ InterfaceIndex = 6; IPEnabled = $true } } -ParameterFilter { $ClassName -eq 'Win32_NetworkAdapterConfiguration' }
        Mock Get-DnsClientServerAddress { [pscustomobject]@{ InterfaceIndex = $InterfaceIndex; ServerAddresses = @($global:Vm.Dns) } }
        Mock Set-DnsClientServerAddress {
            if ($ResetServerAddresses) { $global:Vm.Dns = @($DcDns); $global:Vm.DnsSets.Add('reset') }
            else { $global:Vm.Dns = @($ServerAddresses); $global:Vm.DnsSets.Add("$ServerAddresses") }
        }
        Mock Resolve-HostAddress {
            $global:Vm.Resolves++
            if ($global:Vm.DcAnswers -or (($global:Vm.Dns -contains $AzureDns) -and ($global:Vm.Resolves -ge $global:Vm.AzureDnsFromPoll))) { return @([System.Net.IPAddress]::Parse('13.107.4.50')) }
            throw 'No such host is known'
        }
        Mock Test-Path { $global:Vm.Files.ContainsKey((ConvertTo-ModelPath $LiteralPath)) }
        Mock Get-Content { $global:Vm.Files[(ConvertTo-ModelPath $LiteralPath)].Text }
        Mock Set-Content { Add-ModelFile -Path $LiteralPath -Text ([string] $Value) }
        Mock New-Item { $global:Vm.Files[(ConvertTo-ModelPath $Path)] = @{ Dir = $true; Length = 0; Signed = $false; Text = '' } }
        Mock Remove-Item {
            $root = ConvertTo-ModelPath $LiteralPath
            foreach ($k in @($global:Vm.Files.Keys)) { if (($k -eq $root) -or $k.StartsWith("$root/")) { $global:Vm.Files.Remove($k) } }
        }
        Mock Move-Item {
            $from = ConvertTo-ModelPath $LiteralPath
            $global:Vm.Files[(ConvertTo-ModelPath $Destination)] = $global:Vm.Files[$from]
            $global:Vm.Files.Remove($from)
        }
        Mock Get-Item { [pscustomobject]@{ FullName = $LiteralPath; Length = $global:Vm.Files[(ConvertTo-ModelPath $LiteralPath)].Length } }
        Mock Get-ChildItem {
            $root = ConvertTo-ModelPath $LiteralPath
            $items = foreach ($k in @($global:Vm.Files.Keys | Sort-Object)) {
                if (-not $k.StartsWith("$root/")) { continue }
                if (-not $PesterBoundParameters.ContainsKey('Recurse') -and $k.Substring($root.Length + 1).Contains('/')) { continue }
                $f = $global:Vm.Files[$k]
                if ($PesterBoundParameters.ContainsKey('File') -and $f.Dir) { continue }
                $name = $k.Substring($k.LastIndexOf('/') + 1)
                if ($PesterBoundParameters.ContainsKey('Filter') -and ($name -notlike $Filter)) { continue }
                [pscustomobject]@{ Name = $name; FullName = $k; PSPath = $k; Length = $f.Length }
            }
            return @($items)
        }
        Mock Get-AuthenticodeSignature {
            $f = $global:Vm.Files[(ConvertTo-ModelPath $FilePath)]
            [pscustomobject]@{
                Status = $(if ($f.Signed) { 'Valid' } else { 'NotSigned' })
                SignerCertificate = [pscustomobject]@{ Subject = 'CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US' }
            }
        }
        Mock Invoke-WebRequest {
            $global:Vm.Downloads.Add($Uri.OriginalString)
            if ($global:Vm.WebMinutes.ContainsKey($Uri.OriginalString)) { $global:CmgLabFakeNow = (Get-FakeNow).AddMinutes($global:Vm.WebMinutes[$Uri.OriginalString]) }
            $size = $(if ($OutFile -like '*ConfigMgr_Eval.exe') { 1200 * $Mb } else { 2 * $Mb })
            Add-ModelFile -Path $OutFile -Length $size -Signed ($global:Vm.Unsigned -notcontains $Uri.OriginalString)
        }
        Mock Stop-Process { foreach ($i in $Id) { $global:Vm.Stopped.Add([int] $i) } }
        Mock Expand-ZipFile {
            Add-ModelFile -Path "$Destination\SMSSETUP\BIN\X64\setup.exe"
            Add-ModelFile -Path "$Destination\SMSSETUP\BIN\X64\setupdl.exe"
        }
        Mock Start-Process {
            $leaf = ($FilePath -replace '\\', '/').Split('/')[-1]
            $global:Vm.Runs.Add([pscustomobject]@{ Program = $leaf; Arguments = @($ArgumentList) })
            $root = $global:Vm.Root
            if ($global:Vm.ProgramMinutes.ContainsKey($leaf)) { $global:CmgLabFakeNow = (Get-FakeNow).AddMinutes($global:Vm.ProgramMinutes[$leaf]) }
            switch -Wildcard ($leaf) {
                'SQL2022-SSEI.exe' {
                    if ($global:Vm.SqlMinutes -eq 0) { return (New-FakeProcess -Minutes 0) }
                    Add-ModelFile -Path "$root/Sql/Cab/SQLServer2022-DEV-x64-ENU.exe" -Length (2 * $Mb)
                    Add-ModelFile -Path "$root/Sql/Cab/SQLServer2022-DEV-x64-ENU.box" -Length (1400 * $Mb) -Signed $false
                    return (New-FakeProcess -Minutes $global:Vm.SqlMinutes)
                }
                'SQLServer2022-*.exe' { Add-ModelFile -Path "$root/Sql/Setup/setup.exe" }
                'adksetup.exe' {
                    Add-ModelFile -Path "$root/Adk/Layout/adksetup.exe"
                    Add-ModelFile -Path "$root/Adk/Layout/Installers/payload.cab" -Length ([long] (1536.6 * $Mb))
                }
                'adkwinpesetup.exe' {
                    Add-ModelFile -Path "$root/WinPE/Layout/adkwinpesetup.exe"
                    Add-ModelFile -Path "$root/WinPE/Layout/Installers/winpe.cab" -Length ([long] (2.4 * $Mb))
                }
                'ConfigMgr_Eval.exe' {
                    if (-not $global:Vm.ExtractorWorks) { return (New-FakeProcess -Minutes 1 -ExitCode 2) }
                    Add-ModelFile -Path "$root/ConfigMgr/Media/SMSSETUP/BIN/X64/setup.exe"
                    Add-ModelFile -Path "$root/ConfigMgr/Media/SMSSETUP/BIN/X64/setupdl.exe"
                    return (New-FakeProcess -Minutes 4)
                }
                'setupdl.exe' {
                    for ($i = 1; $i -le $global:Vm.PrereqFiles; $i++) { Add-ModelFile -Path "$root/ConfigMgr/Prereqs/prereq$i.cab" }
                    Add-ModelFile -Path 'C:\ConfigMgrSetup.log' -Text $DownloaderLog
                }
            }
            [pscustomobject]@{ ExitCode = 0 }
        }
    }

    It 'downloads every medium through Azure DNS, marks each ready, moves setupdl''s log aside and hands DNS back' {
        $r = Invoke-LabScript -Name 'site-media.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        @($global:Vm.Downloads) | Should -Be @($Params.SqlUrl, $Params.AdkUrl, $Params.WinPeUrl, $Params.ConfigMgrUrl)
        foreach ($m in @(@('sql', $Params.SqlUrl), @('adk', $Params.AdkUrl), @('winpe', $Params.WinPeUrl), @('configmgr', $Params.ConfigMgrUrl))) {
            $global:Vm.Files[(Get-ModelPath "$($m[0]).ready")].Text | Should -Be $m[1]
        }
        $sql = @($global:Vm.Runs | Where-Object Program -EQ 'SQL2022-SSEI.exe')
        $sql.Count | Should -Be 1
        $sql[0].Arguments | Should -Be @('/ACTION=Download', "/MEDIAPATH=$(Get-ModelPath 'Sql\Cab')", '/MEDIATYPE=CAB', '/QUIET')
        # setupdl.exe's log is not left where site-install.ps1 reads setup's own log.
        $global:Vm.Files.ContainsKey('C:/ConfigMgrSetup.log') | Should -BeFalse
        $global:Vm.Files[(Get-ModelPath 'ConfigMgr\setupdl.log')].Text | Should -Be $DownloaderLog
        @($global:Vm.DnsSets) | Should -Be @($AzureDns, 'reset')
        $global:Vm.Dns | Should -Be @($DcDns)
        $r.Output | Should -Contain 'Site media ready in C:\CMLab\Media'
    }

    # The per-medium figures of stacks/model/durations.ts come from these lines of a real build.
    It 'prints, under <Culture>, one timing line per medium (minutes this run spent on it, its folder''s size) and the run''s total' -TestCases @(
        @{ Culture = 'en-US' }
        @{ Culture = 'de-DE' }
    ) {
        $saved = [System.Threading.Thread]::CurrentThread.CurrentCulture
        try {
            [System.Threading.Thread]::CurrentThread.CurrentCulture = [System.Globalization.CultureInfo]::GetCultureInfo($Culture)
            # The case can fail: a format bound to this culture writes a decimal comma under de-DE.
            (5.1).ToString('0.0') | Should -Be $(if ($Culture -eq 'de-DE') { '5,1' } else { '5.1' })
            $global:Vm.AzureDnsFromPoll = 3   # one 30 s DNS poll: in the run's total, in no medium
            $global:Vm.WebMinutes = @{ ($Params.SqlUrl) = 1.5; ($Params.AdkUrl) = 2; ($Params.WinPeUrl) = 0.5; ($Params.ConfigMgrUrl) = 9 }
            $global:Vm.ProgramMinutes = @{ 'SQLServer2022-DEV-x64-ENU.exe' = 3; 'adksetup.exe' = 12.2; 'adkwinpesetup.exe' = 6.3; 'setupdl.exe' = 7.4 }
            $r = Invoke-LabScript -Name 'site-media.ps1' -Parameters $Params
        } finally {
            [System.Threading.Thread]::CurrentThread.CurrentCulture = $saved
        }
        $r.ExitCode | Should -Be 0 -Because $r.Text
        # sql: download 1.5 + bootstrapper 20 + extraction 3 minutes; 2 + 2 + 1400 + 1 MB.
        # adk: 2 + 12.2 minutes; 2 + 1 + 1536.6 MB (rounds up). winpe: 0.5 + 6.3; 2 + 1 + 2.4 MB (rounds down).
        # configmgr: download 9 + self-extractor 4 + setupdl 7.4; archive 1200 + setup and setupdl 2 + 12 prerequisites + setupdl.log 1 MB.
        @($r.Output | Where-Object { $_ -like 'site-media timing:*' }) | Should -Be @(
            'site-media timing: sql ready in 24.5 min, 1405 MB on disk'
            'site-media timing: adk ready in 14.2 min, 1540 MB on disk'
            'site-media timing: winpe ready in 6.8 min, 5 MB on disk'
            'site-media timing: configmgr ready in 20.4 min, 1215 MB on disk'
            'site-media timing: all media ready in 66.4 min this run'
        )
    }

    It 'skips the SQL Server medium when SqlUrl is <Case>: no bootstrapper, the other media done and read back' -TestCases @(
        @{ Case = 'not given'; Value = $null }
        @{ Case = 'empty'; Value = '' }
    ) {
        $p = $Params.Clone()
        if ($null -eq $Value) { $p.Remove('SqlUrl') } else { $p.SqlUrl = $Value }
        $r = Invoke-LabScript -Name 'site-media.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        @($global:Vm.Downloads) | Should -Be @($Params.AdkUrl, $Params.WinPeUrl, $Params.ConfigMgrUrl)
        @($global:Vm.Runs | Where-Object { $_.Program -like 'SQL*' }).Count | Should -Be 0
        $global:Vm.Files.ContainsKey((Get-ModelPath 'sql.ready')) | Should -BeFalse
        foreach ($m in @(@('adk', $Params.AdkUrl), @('winpe', $Params.WinPeUrl), @('configmgr', $Params.ConfigMgrUrl))) {
            $global:Vm.Files[(Get-ModelPath "$($m[0]).ready")].Text | Should -Be $m[1]
        }
        @($r.Output | Where-Object { $_ -like 'SQL Server media skipped*' }) | Should -Be @('SQL Server media skipped: no SqlUrl given (SQL Server comes pre-installed with the site server''s image)')
        # No line for the skipped medium; the ConfigMgr self-extractor takes 4 minutes.
        @($r.Output | Where-Object { $_ -like 'site-media timing:*' }) | Should -Be @(
            'site-media timing: adk ready in 0.0 min, 1540 MB on disk'
            'site-media timing: winpe ready in 0.0 min, 5 MB on disk'
            'site-media timing: configmgr ready in 4.0 min, 1215 MB on disk'
            'site-media timing: all media ready in 4.0 min this run'
        )
        $global:Vm.Dns | Should -Be @($DcDns)
        $r.Output | Should -Contain 'Site media ready in C:\CMLab\Media'
    }

    It 'changes nothing on a second run without SqlUrl once the other media are ready' {
        Set-MediaReady
        $global:Vm.Files.Remove((Get-ModelPath 'sql.ready'))
        $global:Vm.Files.Remove((Get-ModelPath 'Sql/Setup/setup.exe'))
        $global:Vm.DcAnswers = $true
        $p = $Params.Clone(); $p.SqlUrl = ''
        $r = Invoke-LabScript -Name 'site-media.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Invoke-WebRequest -Times 0 -Exactly
        Should -Invoke Start-Process -Times 0 -Exactly
        Should -Invoke Set-Content -Times 0 -Exactly
        @($r.Output | Where-Object { $_ -like 'site-media timing:*' }) | Should -Be @(
            'site-media timing: adk already ready'
            'site-media timing: winpe already ready'
            'site-media timing: configmgr already ready'
        )
    }

    It 'downloads the SQL Server medium when SqlUrl is given, and never says it skipped it' {
        $r = Invoke-LabScript -Name 'site-media.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Vm.Downloads[0] | Should -Be $Params.SqlUrl
        @($global:Vm.Runs | Where-Object Program -EQ 'SQL2022-SSEI.exe').Count | Should -Be 1
        @($global:Vm.Runs | Where-Object Program -Like 'SQLServer2022-*.exe').Count | Should -Be 1
        $global:Vm.Files[(Get-ModelPath 'sql.ready')].Text | Should -Be $Params.SqlUrl
        @($r.Output | Where-Object { $_ -like '*skipped*' }).Count | Should -Be 0
    }

    It 'changes nothing when every medium is ready for its URL (second run, the DC answers)' {
        Set-MediaReady
        $global:Vm.DcAnswers = $true
        $r = Invoke-LabScript -Name 'site-media.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Invoke-WebRequest -Times 0 -Exactly
        Should -Invoke Start-Process -Times 0 -Exactly
        Should -Invoke Set-DnsClientServerAddress -Times 0 -Exactly
        Should -Invoke Set-Content -Times 0 -Exactly
        # No timing of work that did not happen: neither a medium's minutes nor the run's total.
        @($r.Output | Where-Object { $_ -like 'site-media timing:*' }) | Should -Be @(
            'site-media timing: sql already ready'
            'site-media timing: adk already ready'
            'site-media timing: winpe already ready'
            'site-media timing: configmgr already ready'
        )
    }

    It 'downloads a medium again when its URL changed' {
        Set-MediaReady
        $global:Vm.DcAnswers = $true
        $p = $Params.Clone(); $p.AdkUrl = 'https://example.com/adk/adksetup.exe'
        $r = Invoke-LabScript -Name 'site-media.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        @($global:Vm.Downloads) | Should -Be @('https://example.com/adk/adksetup.exe')
        $global:Vm.Files[(Get-ModelPath 'adk.ready')].Text | Should -Be 'https://example.com/adk/adksetup.exe'
    }

    It 'fails naming the file and URL when a download is not signed by Microsoft, and hands DNS back' {
        $global:Vm.Unsigned = @($Params.AdkUrl)
        $r = Invoke-LabScript -Name 'site-media.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("adksetup.exe from $($Params.AdkUrl) is not signed by Microsoft Corporation"))
        $global:Vm.Files.ContainsKey((Get-ModelPath 'adk.ready')) | Should -BeFalse
        $global:Vm.Dns | Should -Be @($DcDns)
    }

    It 'fails when setupdl.exe leaves too few prerequisite files, without marking the ConfigMgr media ready' {
        $global:Vm.PrereqFiles = 3
        $r = Invoke-LabScript -Name 'site-media.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'setupdl.exe left fewer than 10 files in .*Prereqs'
        $global:Vm.Files.ContainsKey((Get-ModelPath 'configmgr.ready')) | Should -BeFalse
    }

    It 'stops a SQL Server download bootstrapper that hangs after SqlDownloadMinutes, with a clear message' {
        $global:Vm.SqlMinutes = 0
        $r = Invoke-LabScript -Name 'site-media.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'SQL Server media download did not finish within 40 minutes and was stopped \(process 7101\); the bootstrapper may hang without a desktop session: run pulumi up again'
        @($global:Vm.Stopped) | Should -Be @(7101)
        ((Get-FakeNow) - [datetime]::new(2026, 1, 1, 8, 0, 0)).TotalMinutes | Should -BeGreaterOrEqual 40
        ((Get-FakeNow) - [datetime]::new(2026, 1, 1, 8, 0, 0)).TotalMinutes | Should -BeLessThan 42
        $global:Vm.Files.ContainsKey((Get-ModelPath 'sql.ready')) | Should -BeFalse
        $global:Vm.Dns | Should -Be @($DcDns)
    }

    It 'waits for a SQL Server download that takes 30 minutes (polls, then goes on)' {
        $global:Vm.SqlMinutes = 30
        $r = Invoke-LabScript -Name 'site-media.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        @($global:Vm.Stopped).Count | Should -Be 0
        $global:Vm.Files[(Get-ModelPath 'sql.ready')].Text | Should -Be $Params.SqlUrl
    }

    It 'ends a non-last round after its start budget with exit 0, and the last round resumes with the next medium' {
        $global:Vm.SqlMinutes = 38
        $p = $Params.Clone(); $p.LastRound = 'false'
        $r = Invoke-LabScript -Name 'site-media.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Contain 'This round has run 35 minutes; the next round continues with ADK'
        @($global:Vm.Downloads) | Should -Be @($Params.SqlUrl)
        $global:Vm.Dns | Should -Be @($DcDns)
        # The medium this round finished has its line; not all media are ready, so no total.
        @($r.Output | Where-Object { $_ -like 'site-media timing:*' }) | Should -Be @('site-media timing: sql ready in 38.0 min, 1405 MB on disk')
        $r2 = Invoke-LabScript -Name 'site-media.ps1' -Parameters $Params
        $r2.ExitCode | Should -Be 0 -Because $r2.Text
        @($global:Vm.Downloads) | Should -Be @($Params.SqlUrl, $Params.AdkUrl, $Params.WinPeUrl, $Params.ConfigMgrUrl)
        # The next round times only what it worked on, its total from its own start.
        @($r2.Output | Where-Object { $_ -like 'site-media timing:*' }) | Should -Be @(
            'site-media timing: sql already ready'
            'site-media timing: adk ready in 0.0 min, 1540 MB on disk'
            'site-media timing: winpe ready in 0.0 min, 5 MB on disk'
            'site-media timing: configmgr ready in 4.0 min, 1215 MB on disk'
            'site-media timing: all media ready in 4.0 min this run'
        )
    }

    It 'falls back to reading the ConfigMgr archive as a zip when the self-extractor fails' {
        $global:Vm.ExtractorWorks = $false
        $r = Invoke-LabScript -Name 'site-media.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Expand-ZipFile -Times 1 -Exactly -ParameterFilter { (ConvertTo-ModelPath $Path) -eq (Get-ModelPath 'ConfigMgr\ConfigMgr_Eval.exe') }
        $global:Vm.Files[(Get-ModelPath 'configmgr.ready')].Text | Should -Be $Params.ConfigMgrUrl
    }

    It 'waits for names to resolve through Azure DNS (ready after 4 polls)' {
        $global:Vm.AzureDnsFromPoll = 5
        $r = Invoke-LabScript -Name 'site-media.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Vm.Resolves | Should -BeGreaterOrEqual 5
    }

    It 'fails after DnsWaitMinutes when names never resolve, and hands DNS back' {
        $global:Vm.AzureDnsFromPoll = [int]::MaxValue
        $r = Invoke-LabScript -Name 'site-media.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'internet names did not resolve within 30 minutes, even through Azure DNS: check the VM''s outbound internet access'
        Should -Invoke Invoke-WebRequest -Times 0 -Exactly
        $global:Vm.Dns | Should -Be @($DcDns)
    }

    It 'receives URLs with & and % and a media folder with spaces and non-ASCII intact' {
        $odd = 'C:\CM Lab é\Média'
        Set-Vm -Root $odd
        $p = $Params.Clone(); $p.MediaRoot = $odd; $p.SqlUrl = 'https://example.com/sql?a=1&b=%41 x'
        $r = Invoke-LabScript -Name 'site-media.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Vm.Downloads[0] | Should -BeExactly 'https://example.com/sql?a=1&b=%41 x'
        $global:Vm.Files[(ConvertTo-ModelPath "$odd\sql.ready")].Text | Should -BeExactly 'https://example.com/sql?a=1&b=%41 x'
        $r.Output | Should -Contain "Site media ready in $odd"
    }

    It 'stops before any change on a missing or malformed parameter' -TestCases @(
        @{ Key = 'MediaRoot'; Value = $null }
        @{ Key = 'SqlUrl'; Value = 'http://go.microsoft.com/fwlink/?linkid=2215158' }
        @{ Key = 'DnsWaitMinutes'; Value = 'half an hour' }
        @{ Key = 'SqlDownloadMinutes'; Value = '' }
        @{ Key = 'LastRound'; Value = 'maybe' }
    ) {
        $p = $Params.Clone()
        if ($null -eq $Value) { $p.Remove($Key) } else { $p[$Key] = $Value }
        $r = Invoke-LabScript -Name 'site-media.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match $Key
        Should -Invoke Set-DnsClientServerAddress -Times 0 -Exactly
        Should -Invoke Invoke-WebRequest -Times 0 -Exactly
    }
}
