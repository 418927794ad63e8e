# Library (inlined by `#include lib/adsync.ps1`): loads the ADSync module of Entra Connect Sync.
function Import-ADSyncModule {
    # The sync engine records its install path here; the module ships in Bin\ADSync.
    $parameters = Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Services\ADSync\Parameters' -Name Path -ErrorAction SilentlyContinue
    # The default install folder, for when that value is absent (UNCONFIRMED that it is always
    # written); the module path in PSModulePath reaches this process only after a restart.
    $default = Join-Path -Path $env:ProgramFiles -ChildPath 'Microsoft Azure AD Sync\Bin\ADSync\ADSync.psd1'
    if (($null -ne $parameters) -and (Test-Path -LiteralPath (Join-Path -Path $parameters.Path -ChildPath 'Bin\ADSync\ADSync.psd1'))) {
        Import-Module -Name (Join-Path -Path $parameters.Path -ChildPath 'Bin\ADSync\ADSync.psd1')
    } elseif (Test-Path -LiteralPath $default) {
        Import-Module -Name $default
    } else {
        Import-Module -Name ADSync
    }
}
