# Library (inlined by `#include lib/configmgr-site.ps1`): connects this PowerShell session to the
# ConfigMgr site, loading the ConfigurationManager module and the site's drive when missing.
function Connect-CMSite {
    param(
        [string] $Code,
        [string] $Provider
    )
    if (-not (Get-Module -Name ConfigurationManager)) {
        # Read the console path from the machine environment: a process started before the site
        # install (the run-command agent) does not see the variable in its own environment.
        $uiPath = (Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager\Environment').SMS_ADMIN_UI_PATH
        if (-not $uiPath) { throw 'SMS_ADMIN_UI_PATH is not set: the ConfigMgr console is not installed' }
        Import-Module (Join-Path (Split-Path -Parent $uiPath) 'ConfigurationManager.psd1')
    }
    if (-not (Get-PSDrive -Name $Code -ErrorAction SilentlyContinue)) {
        New-PSDrive -Name $Code -PSProvider CMSite -Root $Provider | Out-Null
    }
    Set-Location "$($Code):"
}
