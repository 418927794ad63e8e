# Library (inlined by `#include lib/adsync.ps1`): loads the ADSync module of Entra Connect Sync.
function Import-ADSyncModule {
    # The sync engine records its install path here; the module ships in Bin\ADSync.
    $parameters = Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Services\ADSync\Parameters' -Name Path -ErrorAction SilentlyContinue
    if ($null -ne $parameters) {
        Import-Module -Name (Join-Path -Path $parameters.Path -ChildPath 'Bin\ADSync\ADSync.psd1')
    } else {
        Import-Module -Name ADSync
    }
}
