# enhanced-http.ps1: the site option "Use Configuration Manager-generated certificates for HTTP
# site systems" set once the site is up (the management point answers), re-applied when site
# components still installing reset it, read back; the management point kept on HTTP; the "SMS
# Role SSL Certificate" waited for on 0.0.0.0:443.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Fqdn = 'CM01.corp.cmglab.example'
    $script:Params = @{ SiteCode = 'PS1'; SiteServerFqdn = $Fqdn; WaitMinutes = '30' }
    $script:Thumb = 'A1B2C3D4E5F60718293A4B5C6D7E8F9010A1B2C3'
    $script:BindingKey = 'HKLM:\SYSTEM\CurrentControlSet\Services\HTTP\Parameters\SslBindingInfo\0.0.0.0:443'

    # The only .NET call of the script (an HTTP GET to the local management point): a placeholder
    # with the same parameters, mocked per test.
    function global:Get-MpListText { }

    # The site server's state. IISSSLState: the site component manager's property (bit 1024 =
    # Enhanced HTTP). Resets: how many times a component still installing clears the bit after
    # it was set (seen at the next read). MpSsl: the management point's SslState (0 = HTTP).
    # BoundAfter: reads of the 443 binding before the site has bound its certificate (-1: never).
    function Set-Server {
        param([int] $IisSslState = 0, [int] $Resets = 0, [bool] $Sticks = $true, [int] $MpAnswersAfter = 0, [int] $MpSsl = 0,
            [bool] $MpSticks = $true, [int] $BoundAfter = 0, [string] $FriendlyName = 'SMS Role SSL Certificate', [int] $ResetAtRead = 0)
        $global:Server = @{
            IisSslState = $IisSslState; Resets = $Resets; Sticks = $Sticks
            MpAnswersAfter = $MpAnswersAfter; MpReads = 0; MpUp = $false
            MpSsl = $MpSsl; MpSticks = $MpSticks
            BoundAfter = $BoundAfter; BindingReads = 0; FriendlyName = $FriendlyName
            SetWhileMpDown = 0
            OptionReads = 0; ResetAtRead = $ResetAtRead
        }
    }
}

Describe 'enhanced-http.ps1' {
    BeforeEach {
        . Use-FakeClock
        Mock Get-Module { [pscustomobject]@{ Name = 'ConfigurationManager' } } -ParameterFilter { $Name -eq 'ConfigurationManager' }
        Mock Get-PSDrive { [pscustomobject]@{ Name = 'PS1' } } -ParameterFilter { $Name -eq 'PS1' }
        Mock Set-Location { }
        Mock Get-MpListText {
            $global:Server.MpReads++
            if ($global:Server.MpReads -le $global:Server.MpAnswersAfter) { throw 'Unable to connect to the remote server' }
            $global:Server.MpUp = $true
            '<MPList><MP Name="CM01.corp.cmglab.example" FQDN="CM01.corp.cmglab.example"/></MPList>'
        }
        Mock Get-CimInstance {
            $global:Server.OptionReads++
            if ($global:Server.OptionReads -eq $global:Server.ResetAtRead) { $global:Server.IisSslState = $global:Server.IisSslState -band (-bnot 1024) }
            if ((($global:Server.IisSslState -band 1024) -eq 1024) -and $global:Server.Resets -gt 0) {
                $global:Server.IisSslState = $global:Server.IisSslState -band (-bnot 1024)
                $global:Server.Resets--
            }
            [pscustomobject]@{
                ItemName = 'SMS_SITE_COMPONENT_MANAGER|SMS Site Server'
                Props = @(
                    [pscustomobject]@{ PropertyName = 'IISPortsList'; Value = 0; Value1 = '80'; Value2 = '' }
                    [pscustomobject]@{ PropertyName = 'IISSSLState'; Value = $global:Server.IisSslState; Value1 = ''; Value2 = '' }
                )
            }
        } -ParameterFilter { $ClassName -eq 'SMS_SCI_Component' -and $Namespace -eq 'root\SMS\site_PS1' -and $Filter -eq "ItemName = 'SMS_SITE_COMPONENT_MANAGER|SMS Site Server' AND SiteCode = 'PS1'" }
        Mock Set-CMSite {
            if (-not $global:Server.MpUp) { $global:Server.SetWhileMpDown++ }
            if ($global:Server.Sticks -and $UseSmsGeneratedCert -eq $true) { $global:Server.IisSslState = $global:Server.IisSslState -bor 1024 }
        }
        Mock Get-CMManagementPoint { [pscustomobject]@{ SiteSystemServerName = $SiteSystemServerName; SslState = $global:Server.MpSsl } }
        Mock Set-CMManagementPoint { if ($global:Server.MpSticks -and $EnableSsl -eq $false) { $global:Server.MpSsl = 0 } }
        Mock Get-ItemProperty {
            $global:Server.BindingReads++
            if ($global:Server.BoundAfter -lt 0 -or $global:Server.BindingReads -le $global:Server.BoundAfter) { return $null }
            $bytes = [byte[]]::new(20)
            for ($i = 0; $i -lt 20; $i++) { $bytes[$i] = [System.Convert]::ToByte($Thumb.Substring(2 * $i, 2), 16) }
            [pscustomobject]@{ SslCertHash = $bytes; SslCertStoreName = 'MY' }
        } -ParameterFilter { $LiteralPath -eq $BindingKey }
        Mock Get-Item { [pscustomobject]@{ Thumbprint = $Thumb; FriendlyName = $global:Server.FriendlyName } } -ParameterFilter { $LiteralPath -eq "Cert:\LocalMachine\My\$Thumb" }
        Mock netsh.exe { 'SSL Certificate bindings:'; '    IP:port : 0.0.0.0:443' }
    }

    It 'waits for the site to be up, then turns Enhanced HTTP on once, reads it back and waits for the 443 certificate' {
        Set-Server -MpAnswersAfter 2 -BoundAfter 2
        $r = Invoke-LabScript -Name 'enhanced-http.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Set-CMSite -Times 1 -Exactly -ParameterFilter { $SiteCode -eq 'PS1' -and $UseSmsGeneratedCert -eq $true }
        $global:Server.SetWhileMpDown | Should -Be 0
        ($global:Server.IisSslState -band 1024) | Should -Be 1024
        Should -Invoke Set-CMManagementPoint -Times 0 -Exactly
        $r.Output | Should -Contain 'Turning on Enhanced HTTP (attempt 1)'
        $r.Output | Should -Contain 'Enhanced HTTP on for site PS1; SMS Role SSL Certificate bound to 443'
    }

    It 'sets the option again when a component still installing resets it, until it reads back on twice in a row' {
        Set-Server -Resets 2
        $r = Invoke-LabScript -Name 'enhanced-http.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Set-CMSite -Times 3 -Exactly
        ($global:Server.IisSslState -band 1024) | Should -Be 1024
    }

    It 'changes nothing when the option is on, the management point on HTTP and the certificate bound (second run)' {
        Set-Server -IisSslState 1024
        $r = Invoke-LabScript -Name 'enhanced-http.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Set-CMSite -Times 0 -Exactly
        Should -Invoke Set-CMManagementPoint -Times 0 -Exactly
    }

    It 'fails naming the site option and the installing components when the option does not read back on' {
        Set-Server -Sticks $false
        $r = Invoke-LabScript -Name 'enhanced-http.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("the site option 'Use Configuration Manager-generated certificates for HTTP site systems' (Enhanced HTTP) did not read back on twice in a row in 15 attempts"))
        $r.Text | Should -Match ([regex]::Escape('site components may still be installing'))
        Should -Invoke Set-CMSite -Times 15 -Exactly
        # It fails on the option itself, without first waiting half an hour for the certificate.
        Should -Invoke netsh.exe -Times 0 -Exactly
        Should -Invoke Set-CMManagementPoint -Times 0 -Exactly
    }

    It 'fails the same way when components keep resetting the option' {
        Set-Server -Resets 100
        $r = Invoke-LabScript -Name 'enhanced-http.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('did not read back on twice in a row'))
    }

    It 'fails the final read-back when the option is reset while the certificate is being bound' {
        Set-Server -IisSslState 1024 -ResetAtRead 3
        $r = Invoke-LabScript -Name 'enhanced-http.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("Enhanced HTTP is not in place: the site option 'Use Configuration Manager-generated certificates for HTTP site systems' (Enhanced HTTP) is off again"))
        $r.Text | Should -Not -Match 'management point on .* is not on HTTP'
    }

    It 'sets an HTTPS management point back to HTTP' {
        Set-Server -IisSslState 1024 -MpSsl 1
        $r = Invoke-LabScript -Name 'enhanced-http.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Set-CMManagementPoint -Times 1 -Exactly -ParameterFilter { $SiteSystemServerName -eq $Fqdn -and $SiteCode -eq 'PS1' -and $EnableSsl -eq $false }
        $global:Server.MpSsl | Should -Be 0
    }

    It 'fails naming the management point when it stays on HTTPS' {
        Set-Server -IisSslState 1024 -MpSsl 1 -MpSticks $false
        $r = Invoke-LabScript -Name 'enhanced-http.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("the management point on $Fqdn is not on HTTP (SslState 0)"))
    }

    It 'times out with a clear message when the SMS Role SSL Certificate is never bound to 443' {
        Set-Server -IisSslState 1024 -BoundAfter -1
        $r = Invoke-LabScript -Name 'enhanced-http.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('the SMS Role SSL Certificate is not bound to 0.0.0.0:443 after 30 minutes; see mpcontrol.log'))
        Should -Invoke netsh.exe -Times 1 -Exactly
    }

    It 'does not take another certificate on 443 for the SMS Role SSL Certificate' {
        Set-Server -IisSslState 1024 -FriendlyName 'Lab web server'
        $r = Invoke-LabScript -Name 'enhanced-http.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'SMS Role SSL Certificate is not bound'
    }

    It 'times out before any change when the management point never answers' {
        Set-Server -MpAnswersAfter 1000
        $r = Invoke-LabScript -Name 'enhanced-http.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("the management point on $Fqdn did not answer within 30 minutes; see MPSetup.log and mpcontrol.log"))
        Should -Invoke Set-CMSite -Times 0 -Exactly
        (Get-FakeNow) | Should -BeGreaterThan ([datetime]::new(2026, 1, 1, 8, 30, 0))
        (Get-FakeNow) | Should -BeLessThan ([datetime]::new(2026, 1, 1, 8, 32, 0))
    }

    It 'fails with the cmdlet''s error when Set-CMSite throws' {
        Set-Server
        Mock Set-CMSite { throw 'Access denied: not a Full Administrator' }
        $r = Invoke-LabScript -Name 'enhanced-http.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'enhanced-http failed: Access denied: not a Full Administrator'
    }

    It 'receives a site server name with spaces, quotes, $, % and non-ASCII letters intact' {
        Set-Server -IisSslState 1024
        $p = $Params.Clone(); $p.SiteServerFqdn = $LabAwkwardText
        $r = Invoke-LabScript -Name 'enhanced-http.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Get-CMManagementPoint -ParameterFilter { $SiteSystemServerName -ceq $LabAwkwardText }
        Should -Invoke Get-CMManagementPoint -Times 0 -Exactly -ParameterFilter { $SiteSystemServerName -cne $LabAwkwardText }
    }

    It 'stops before any change when <Name> is <Why>' -ForEach @(
        @{ Name = 'WaitMinutes'; Why = 'not a number'; Value = '30m' }
        @{ Name = 'WaitMinutes'; Why = 'missing'; Value = $null }
        @{ Name = 'SiteCode'; Why = 'not a three-character site code'; Value = "PS1' OR 1=1" }
        @{ Name = 'SiteServerFqdn'; Why = 'empty'; Value = '' }
    ) {
        Set-Server
        $p = $Params.Clone()
        if ($null -eq $Value) { $p.Remove($Name) } else { $p[$Name] = $Value }
        $r = Invoke-LabScript -Name 'enhanced-http.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match $Name
        Should -Invoke Set-CMSite -Times 0 -Exactly
        Should -Invoke Get-MpListText -Times 0 -Exactly
    }
}
