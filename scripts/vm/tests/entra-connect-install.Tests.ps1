# entra-connect-install.ps1: the Entra Connect Sync MSI comes from the user (a private blob read
# with the VM's managed identity, or a URL they host), must be a Microsoft-signed MSI of
# 2.5.79.0 or later, and is installed once; a second run changes nothing.
BeforeAll {
    . (Join-Path $PSScriptRoot 'harness/Harness.ps1')
    Import-LabStubs

    # COM and .NET reads that cannot run here: global placeholders with the script's parameters,
    # mocked per test (Pester's mock wins over the function the script defines).
    function global:Get-MsiProductVersion { param([string] $Path) }
    function global:Read-FileHeader { param([string] $Path) }

    $script:BlobUrl = 'https://stcmglabdevab12cd.blob.core.windows.net/entra-connect/AzureADConnect.msi'
    # Where the script keeps the MSI (Join-Path writes / here, \ on Windows).
    $script:MsiPattern = '^C:[\\/]ProgramData[\\/]cmg-lab[\\/]entra-connect[\\/]AzureADConnect\.msi$'
    $script:Ole = [byte[]] @(0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1)
    $script:Imds = 'http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://storage.azure.com/'

    # The VM: installed products, files on disk, and what the network serves.
    function Set-Machine {
        param(
            [string[]] $Products = @(),
            [string] $Version = '2.5.79.0',
            [string] $Signer = 'CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US',
            [string] $SignatureStatus = 'Valid',
            [byte[]] $Served = $script:Ole,
            [int] $ForbiddenTimes = 0,
            [int] $ImdsFailures = 0,
            [int] $MsiExitCode = 0,
            [bool] $InstallRegisters = $true
        )
        $global:Machine = @{
            Products = @($Products); Files = @{}; Version = $Version; Signer = $Signer; SignatureStatus = $SignatureStatus
            Served = $Served; ForbiddenLeft = $ForbiddenTimes; ImdsLeft = $ImdsFailures; MsiExitCode = $MsiExitCode
            InstallRegisters = $InstallRegisters; Downloads = 0; Installs = 0
        }
    }
    function New-HttpError {
        param([int] $Code)
        [Microsoft.PowerShell.Commands.HttpResponseException]::new("Response status code does not indicate success: $Code.", [System.Net.Http.HttpResponseMessage]::new([System.Net.HttpStatusCode] $Code))
    }
}

Describe 'entra-connect-install.ps1' {
    BeforeEach {
        . Use-FakeClock
        Mock Get-Service { $null }
        Mock Get-ItemProperty {
            foreach ($name in $global:Machine.Products) { [pscustomobject]@{ DisplayName = $name } }
        } -ParameterFilter { $Path -like 'HKLM:\SOFTWARE\*Uninstall\*' }
        Mock Test-Path { $true } -ParameterFilter { $Path -like '*cmg-lab\entra-connect' }
        Mock New-Item { }
        Mock Invoke-RestMethod {
            if ($global:Machine.ImdsLeft -gt 0) { $global:Machine.ImdsLeft--; throw 'Unable to connect to the remote server' }
            [pscustomobject]@{ access_token = 'mi-token-value'; resource = 'https://storage.azure.com/' }
        }
        Mock Invoke-WebRequest {
            if ($Headers -and $Headers.ContainsKey('Authorization') -and $global:Machine.ForbiddenLeft -gt 0) {
                $global:Machine.ForbiddenLeft--
                throw (New-HttpError -Code 403)
            }
            $global:Machine.Downloads++
            $global:Machine.Files[$OutFile] = $global:Machine.Served
        }
        Mock Read-FileHeader { $global:Machine.Files[$Path] }
        Mock Get-AuthenticodeSignature {
            [pscustomobject]@{ Status = $global:Machine.SignatureStatus; SignerCertificate = [pscustomobject]@{ Subject = $global:Machine.Signer } }
        }
        Mock Get-MsiProductVersion { $global:Machine.Version }
        Mock Start-Process {
            $global:Machine.Installs++
            if ($global:Machine.InstallRegisters -and $global:Machine.MsiExitCode -in 0, 3010) { $global:Machine.Products += 'Microsoft Azure AD Connect' }
            $p = [pscustomobject]@{ ExitCode = $global:Machine.MsiExitCode }
            $p | Add-Member -MemberType ScriptMethod -Name WaitForExit -Value { }
            $p
        }
        Mock Get-Process { @() }
    }

    It 'fetches a managed identity token, downloads the blob with it, checks the MSI and installs it' {
        Set-Machine
        $r = Invoke-LabScript -Name 'entra-connect-install.ps1' -Parameters @{ MsiUrl = $BlobUrl; MsiAuth = 'ManagedIdentity' }
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Invoke-RestMethod -Times 1 -Exactly -ParameterFilter { $Uri -eq $Imds -and $Headers.Metadata -eq 'true' }
        Should -Invoke Invoke-WebRequest -Times 1 -Exactly -ParameterFilter {
            $Uri -eq $BlobUrl -and $OutFile -match $MsiPattern -and $Headers.Authorization -eq 'Bearer mi-token-value' -and $Headers['x-ms-version'] -eq '2017-11-09'
        }
        Should -Invoke Start-Process -Times 1 -Exactly -ParameterFilter {
            $FilePath -eq 'msiexec.exe' -and ($ArgumentList -join ' ') -match '^/i "C:[\\/]ProgramData[\\/]cmg-lab[\\/]entra-connect[\\/]AzureADConnect\.msi" /qn /norestart /l\*v '
        }
        $global:Machine.Products | Should -Contain 'Microsoft Azure AD Connect'
        $r.Output | Should -Contain 'Entra Connect Sync 2.5.79.0, signed by Microsoft Corporation'
        $r.Text | Should -Not -Match 'mi-token-value'
    }

    It 'changes nothing when Entra Connect is already installed (second run)' {
        Set-Machine -Products @('Microsoft Azure AD Connect')
        $r = Invoke-LabScript -Name 'entra-connect-install.ps1' -Parameters @{ MsiUrl = $BlobUrl; MsiAuth = 'ManagedIdentity' }
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $r.Output | Should -Contain 'Entra Connect is already installed'
        Should -Invoke Invoke-WebRequest -Times 0 -Exactly
        Should -Invoke Invoke-RestMethod -Times 0 -Exactly
        Should -Invoke Start-Process -Times 0 -Exactly
    }

    It 'waits through 403 Forbidden while the role assignment propagates, then downloads (fake clock)' {
        Set-Machine -ForbiddenTimes 3
        $start = Get-FakeNow
        $r = Invoke-LabScript -Name 'entra-connect-install.ps1' -Parameters @{ MsiUrl = $BlobUrl; MsiAuth = 'ManagedIdentity' }
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Invoke-WebRequest -Times 4 -Exactly
        ((Get-FakeNow) - $start).TotalSeconds | Should -Be 90
        $r.Output | Should -Contain "Downloaded $BlobUrl with the VM's managed identity (attempt 4)"
        ($r.Output -match 'Waiting for access to the MSI blob: 403 Forbidden').Count | Should -Be 3
        $global:Machine.Installs | Should -Be 1
    }

    It 'retries a token request that fails right after the identity was enabled' {
        Set-Machine -ImdsFailures 2
        $r = Invoke-LabScript -Name 'entra-connect-install.ps1' -Parameters @{ MsiUrl = $BlobUrl; MsiAuth = 'ManagedIdentity' }
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Invoke-RestMethod -Times 3 -Exactly
        Should -Invoke Invoke-WebRequest -Times 1 -Exactly
        ($r.Output -match 'no managed identity token yet').Count | Should -Be 2
    }

    It 'fails after 20 minutes of 403, naming the role and the identity, installing nothing' {
        Set-Machine -ForbiddenTimes 1000
        $start = Get-FakeNow
        $r = Invoke-LabScript -Name 'entra-connect-install.ps1' -Parameters @{ MsiUrl = $BlobUrl; MsiAuth = 'ManagedIdentity' }
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("SYNC01 still cannot read $BlobUrl after 20 minutes: 403 Forbidden"))
        $r.Text | Should -Match "'Storage Blob Data Reader' role"
        ((Get-FakeNow) - $start).TotalMinutes | Should -BeGreaterOrEqual 20
        ((Get-FakeNow) - $start).TotalMinutes | Should -BeLessThan 21
        Should -Invoke Start-Process -Times 0 -Exactly
    }

    It 'fails at once on another HTTP error (404: no blob), without retrying' {
        Set-Machine
        Mock Invoke-WebRequest { throw (New-HttpError -Code 404) }
        $r = Invoke-LabScript -Name 'entra-connect-install.ps1' -Parameters @{ MsiUrl = $BlobUrl; MsiAuth = 'ManagedIdentity' }
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape("downloading $BlobUrl failed (HTTP 404)"))
        Should -Invoke Invoke-WebRequest -Times 1 -Exactly
        Should -Invoke Start-Process -Times 0 -Exactly
    }

    It 'refuses an MSI older than 2.5.79.0, naming the version found, before installing' {
        Set-Machine -Version '2.4.131.0'
        $r = Invoke-LabScript -Name 'entra-connect-install.ps1' -Parameters @{ MsiUrl = $BlobUrl; MsiAuth = 'ManagedIdentity' }
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match ([regex]::Escape('is Entra Connect Sync 2.4.131.0, older than 2.5.79.0'))
        $r.Text | Should -Match 'stop synchronizing after 30 September 2026'
        $r.Text | Should -Match 'Microsoft Entra admin center'
        Should -Invoke Get-MsiProductVersion -Times 1 -Exactly -ParameterFilter { $Path -match $MsiPattern }
        Should -Invoke Start-Process -Times 0 -Exactly
    }

    It 'compares versions as versions, not text (2.5.100.0 is newer than 2.5.79.0)' {
        Set-Machine -Version '2.5.100.0'
        $r = Invoke-LabScript -Name 'entra-connect-install.ps1' -Parameters @{ MsiUrl = $BlobUrl; MsiAuth = 'ManagedIdentity' }
        $r.ExitCode | Should -Be 0 -Because $r.Text
        $global:Machine.Installs | Should -Be 1
    }

    It 'refuses a download that is not an MSI, or not signed by Microsoft' {
        Set-Machine -Served ([System.Text.Encoding]::ASCII.GetBytes('<html>sign in</html>'))
        $r = Invoke-LabScript -Name 'entra-connect-install.ps1' -Parameters @{ MsiUrl = $BlobUrl; MsiAuth = 'ManagedIdentity' }
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'did not deliver a Windows Installer package'
        Set-Machine -Signer 'CN=Someone Else, O=Contoso'
        $r = Invoke-LabScript -Name 'entra-connect-install.ps1' -Parameters @{ MsiUrl = $BlobUrl; MsiAuth = 'ManagedIdentity' }
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'not validly signed by Microsoft Corporation'
        Should -Invoke Start-Process -Times 0 -Exactly
    }

    It 'fails naming the log when msiexec fails, and when the product is not registered afterwards (read-back)' {
        Set-Machine -MsiExitCode 1603
        $r = Invoke-LabScript -Name 'entra-connect-install.ps1' -Parameters @{ MsiUrl = $BlobUrl; MsiAuth = 'ManagedIdentity' }
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'msiexec exited with 1603; see C:[\\/]ProgramData[\\/]cmg-lab[\\/]entra-connect[\\/]AzureADConnect-install\.log'
        Set-Machine -InstallRegisters $false
        $r = Invoke-LabScript -Name 'entra-connect-install.ps1' -Parameters @{ MsiUrl = $BlobUrl; MsiAuth = 'ManagedIdentity' }
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'msiexec succeeded but no Entra Connect product is registered'
    }

    It 'downloads a hosted URL as is (no token), with awkward characters intact, and never prints its SAS query' {
        Set-Machine
        $url = "https://files.example.com/Entra%20Connect/$([uri]::EscapeDataString($LabAwkwardText))/AzureADConnect.msi?sv=2024-05-04&sp=r&sig=Abc%2Bdef%3D"
        $r = Invoke-LabScript -Name 'entra-connect-install.ps1' -Parameters @{ MsiUrl = $url; MsiAuth = 'None' }
        $r.ExitCode | Should -Be 0 -Because $r.Text
        Should -Invoke Invoke-WebRequest -Times 1 -Exactly -ParameterFilter { $Uri -eq $url -and $null -eq $Headers }
        Should -Invoke Invoke-RestMethod -Times 0 -Exactly
        $r.Text | Should -Not -Match 'sig='
        $r.Text | Should -Match 'Downloading https://files\.example\.com/'
    }

    It 'stops before any change on an empty, non-https or unknown-mode source, naming the parameter and the config key' {
        Set-Machine
        $r = Invoke-LabScript -Name 'entra-connect-install.ps1' -Parameters @{ MsiUrl = ''; MsiAuth = 'None' }
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'MsiUrl is empty: no Entra Connect Sync MSI is configured'
        $r.Text | Should -Match 'cmg-lab:sync\.msiFile'
        $r = Invoke-LabScript -Name 'entra-connect-install.ps1' -Parameters @{ MsiUrl = 'http://files.example.com/AzureADConnect.msi?sig=secret-part'; MsiAuth = 'None' }
        $r.ExitCode | Should -Be 1
        $r.Text | Should -Match 'MsiUrl is not an https URL'
        $r.Text | Should -Not -Match 'secret-part'
        $r = Invoke-LabScript -Name 'entra-connect-install.ps1' -Parameters @{ MsiUrl = $BlobUrl; MsiAuth = 'Sas' }
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match 'MsiAuth'
        $r = Invoke-LabScript -Name 'entra-connect-install.ps1' -Parameters @{ MsiAuth = 'None' }
        $r.ExitCode | Should -Not -Be 0
        $r.Text | Should -Match 'MsiUrl'
        Should -Invoke Invoke-WebRequest -Times 0 -Exactly
        Should -Invoke New-Item -Times 0 -Exactly
        Should -Invoke Start-Process -Times 0 -Exactly
    }
}
