# cmg-certificate-import.ps1: a supplied PFX written to the site server as it is, and read back
# (same bytes, opens with its password, holds a private key). Real PFX files in a temp folder.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    $script:Dir = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "cmg-import-$PID")
    function New-TestPfx {
        param([string] $Password, [bool] $WithKey = $true)
        $key = [System.Security.Cryptography.RSA]::Create(2048)
        $req = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=cmglab.westeurope.cloudapp.azure.com', $key, 'SHA256', [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $cert = $req.CreateSelfSigned([datetimeoffset]::UtcNow.AddDays(-1), [datetimeoffset]::UtcNow.AddYears(1))
        if (-not $WithKey) { $cert = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($cert.RawData) }
        $collection = [System.Security.Cryptography.X509Certificates.X509Certificate2Collection]::new()
        [void] $collection.Add($cert)
        return $collection.Export('Pkcs12', $Password)
    }
    $script:Bytes = New-TestPfx -Password 'pfx-secret'
}

AfterAll { if ([System.IO.Directory]::Exists($Dir)) { [System.IO.Directory]::Delete($Dir, $true) } }

Describe 'cmg-certificate-import.ps1' {
    BeforeEach {
        if ([System.IO.Directory]::Exists($Dir)) { [System.IO.Directory]::Delete($Dir, $true) }
        $script:Path = [System.IO.Path]::Combine($Dir, 'CmgLab', 'cmg.pfx')
        $script:Params = @{ PfxPath = $Path; CmgPfxBase64 = [Convert]::ToBase64String($Bytes); PfxPassword = 'pfx-secret' }
    }

    It 'writes the PFX as it is and reads it back' {
        $r = Invoke-LabScript -Name 'cmg-certificate-import.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        [Convert]::ToBase64String([System.IO.File]::ReadAllBytes($Path)) | Should -Be ([Convert]::ToBase64String($Bytes))
        $r.Output | Should -Contain "CMG PFX in place at $Path"
    }

    It 'leaves an identical file alone (second run)' {
        [void] [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($Path))
        [System.IO.File]::WriteAllBytes($Path, $Bytes)
        $old = [datetime]::new(2020, 1, 1)
        [System.IO.File]::SetLastWriteTimeUtc($Path, $old)
        $r = Invoke-LabScript -Name 'cmg-certificate-import.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        [System.IO.File]::GetLastWriteTimeUtc($Path) | Should -Be $old
    }

    It 'replaces a different file' {
        [void] [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($Path))
        [System.IO.File]::WriteAllBytes($Path, [byte[]] (1, 2, 3))
        $r = Invoke-LabScript -Name 'cmg-certificate-import.ps1' -Parameters $Params
        $r.ExitCode | Should -Be 0 -Because $r.Text
        [Convert]::ToBase64String([System.IO.File]::ReadAllBytes($Path)) | Should -Be ([Convert]::ToBase64String($Bytes))
    }

    It 'fails naming the path when the PFX does not open with the password' {
        $p = $Params.Clone(); $p.PfxPassword = 'wrong'
        $r = Invoke-LabScript -Name 'cmg-certificate-import.ps1' -Parameters $p
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("the PFX at $Path does not open with its password or holds no private key"))
        $r.Text | Should -Not -Match 'wrong'
    }

    It 'fails when the PFX holds no private key' {
        $p = $Params.Clone(); $p.CmgPfxBase64 = [Convert]::ToBase64String((New-TestPfx -Password 'pfx-secret' -WithKey $false))
        $r = Invoke-LabScript -Name 'cmg-certificate-import.ps1' -Parameters $p
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'holds no private key'
    }

    It 'receives a password and a path with spaces, quotes, $, % and non-ASCII intact' {
        $awkward = New-TestPfx -Password $LabAwkwardText
        $p = @{ PfxPath = [System.IO.Path]::Combine($Dir, 'Lab é $x %P%', 'cmg 日本.pfx'); CmgPfxBase64 = [Convert]::ToBase64String($awkward); PfxPassword = $LabAwkwardText }
        $r = Invoke-LabScript -Name 'cmg-certificate-import.ps1' -Parameters $p
        $r.ExitCode | Should -Be 0 -Because $r.Text
        [System.IO.File]::Exists($p.PfxPath) | Should -BeTrue
    }

    It 'stops before writing anything when <Case>' -ForEach @(
        @{ Case = 'PfxPath is missing'; Key = 'PfxPath'; Value = $null }
        @{ Case = 'CmgPfxBase64 is empty'; Key = 'CmgPfxBase64'; Value = '' }
        @{ Case = 'CmgPfxBase64 is not base64'; Key = 'CmgPfxBase64'; Value = 'not base64!' }
        @{ Case = 'PfxPassword is missing'; Key = 'PfxPassword'; Value = $null }
    ) {
        $p = $Params.Clone()
        if ($null -eq $Value) { $p.Remove($Key) } else { $p[$Key] = $Value }
        $r = Invoke-LabScript -Name 'cmg-certificate-import.ps1' -Parameters $p
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match $Key
        [System.IO.File]::Exists($Path) | Should -BeFalse
    }
}
