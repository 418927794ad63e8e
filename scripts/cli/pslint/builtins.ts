/**
 * Cmdlets (and the few functions) that ship with Windows PowerShell 5.1 itself, so they count
 * as known without a catalog entry. Their parameters are not checked. Modules:
 * Microsoft.PowerShell.Core, .Management, .Utility, .Security, .Diagnostics, .Host,
 * Microsoft.PowerShell.Archive and CimCmdlets.
 */
export const BUILTIN_CMDLETS: readonly string[] = [
  // Microsoft.PowerShell.Core
  "Add-History", "Add-PSSnapin", "Clear-History", "Connect-PSSession", "Debug-Job",
  "Disable-PSRemoting", "Disable-PSSessionConfiguration", "Disconnect-PSSession", "Enable-PSRemoting",
  "Enable-PSSessionConfiguration", "Enter-PSHostProcess", "Enter-PSSession", "Exit-PSHostProcess",
  "Exit-PSSession", "Export-Console", "Export-ModuleMember", "ForEach-Object", "Get-Command", "Get-Help",
  "Get-History", "Get-Job", "Get-Module", "Get-PSHostProcessInfo", "Get-PSSession",
  "Get-PSSessionCapability", "Get-PSSessionConfiguration", "Get-PSSnapin", "Import-Module",
  "Invoke-Command", "Invoke-History", "New-Module", "New-ModuleManifest", "New-PSRoleCapabilityFile",
  "New-PSSession", "New-PSSessionConfigurationFile", "New-PSSessionOption", "New-PSTransportOption",
  "Out-Default", "Out-Host", "Out-Null", "Receive-Job", "Receive-PSSession", "Register-ArgumentCompleter",
  "Register-PSSessionConfiguration", "Remove-Job", "Remove-Module", "Remove-PSSession", "Remove-PSSnapin",
  "Resume-Job", "Save-Help", "Set-PSDebug", "Set-PSSessionConfiguration", "Set-StrictMode", "Start-Job",
  "Stop-Job", "Suspend-Job", "Test-ModuleManifest", "Test-PSSessionConfigurationFile",
  "Unregister-PSSessionConfiguration", "Update-Help", "Wait-Job", "Where-Object", "Clear-Host", "Get-Verb",
  // Microsoft.PowerShell.Management
  "Add-Computer", "Add-Content", "Checkpoint-Computer", "Clear-Content", "Clear-EventLog", "Clear-Item",
  "Clear-ItemProperty", "Clear-RecycleBin", "Complete-Transaction", "Convert-Path", "Copy-Item",
  "Copy-ItemProperty", "Debug-Process", "Disable-ComputerRestore", "Enable-ComputerRestore",
  "Get-ChildItem", "Get-Clipboard", "Get-ComputerInfo", "Get-ComputerRestorePoint", "Get-Content",
  "Get-ControlPanelItem", "Get-EventLog", "Get-HotFix", "Get-Item", "Get-ItemProperty",
  "Get-ItemPropertyValue", "Get-Location", "Get-Process", "Get-PSDrive", "Get-PSProvider", "Get-Service",
  "Get-TimeZone", "Get-Transaction", "Get-WmiObject", "Invoke-Item", "Invoke-WmiMethod", "Join-Path",
  "Limit-EventLog", "Move-Item", "Move-ItemProperty", "New-EventLog", "New-Item", "New-ItemProperty",
  "New-PSDrive", "New-Service", "New-WebServiceProxy", "Pop-Location", "Push-Location",
  "Register-WmiEvent", "Remove-Computer", "Remove-EventLog", "Remove-Item", "Remove-ItemProperty",
  "Remove-PSDrive", "Remove-WmiObject", "Rename-Computer", "Rename-Item", "Rename-ItemProperty",
  "Reset-ComputerMachinePassword", "Resolve-Path", "Restart-Computer", "Restart-Service",
  "Restore-Computer", "Resume-Service", "Set-Clipboard", "Set-Content", "Set-Item", "Set-ItemProperty",
  "Set-Location", "Set-Service", "Set-TimeZone", "Set-WmiInstance", "Show-ControlPanelItem",
  "Show-EventLog", "Split-Path", "Start-Process", "Start-Service", "Start-Transaction", "Stop-Computer",
  "Stop-Process", "Stop-Service", "Suspend-Service", "Test-ComputerSecureChannel", "Test-Connection",
  "Test-Path", "Undo-Transaction", "Use-Transaction", "Wait-Process", "Write-EventLog",
  // Microsoft.PowerShell.Utility
  "Add-Member", "Add-Type", "Clear-Variable", "Compare-Object", "ConvertFrom-Csv", "ConvertFrom-Json",
  "ConvertFrom-String", "ConvertFrom-StringData", "Convert-String", "ConvertTo-Csv", "ConvertTo-Html",
  "ConvertTo-Json", "ConvertTo-Xml", "Debug-Runspace", "Disable-PSBreakpoint", "Disable-RunspaceDebug",
  "Enable-PSBreakpoint", "Enable-RunspaceDebug", "Export-Alias", "Export-Clixml", "Export-Csv",
  "Export-FormatData", "Export-PSSession", "Format-Custom", "Format-Hex", "Format-List", "Format-Table",
  "Format-Wide", "Get-Alias", "Get-Culture", "Get-Date", "Get-Event", "Get-EventSubscriber",
  "Get-FileHash", "Get-FormatData", "Get-Host", "Get-Member", "Get-PSBreakpoint", "Get-PSCallStack",
  "Get-Random", "Get-Runspace", "Get-RunspaceDebug", "Get-TraceSource", "Get-TypeData", "Get-UICulture",
  "Get-Unique", "Get-Variable", "Group-Object", "Import-Alias", "Import-Clixml", "Import-Csv",
  "Import-LocalizedData", "Import-PowerShellDataFile", "Import-PSSession", "Invoke-Expression",
  "Invoke-RestMethod", "Invoke-WebRequest", "Measure-Command", "Measure-Object", "New-Alias", "New-Event",
  "New-Guid", "New-Object", "New-TemporaryFile", "New-TimeSpan", "New-Variable", "Out-File",
  "Out-GridView", "Out-Printer", "Out-String", "Read-Host", "Register-EngineEvent",
  "Register-ObjectEvent", "Remove-Event", "Remove-PSBreakpoint", "Remove-TypeData", "Remove-Variable",
  "Select-Object", "Select-String", "Select-Xml", "Send-MailMessage", "Set-Alias", "Set-Date",
  "Set-PSBreakpoint", "Set-TraceSource", "Set-Variable", "Show-Command", "Sort-Object", "Start-Sleep",
  "Tee-Object", "Trace-Command", "Unblock-File", "Unregister-Event", "Update-FormatData", "Update-List",
  "Update-TypeData", "Wait-Debugger", "Wait-Event", "Write-Debug", "Write-Error", "Write-Host",
  "Write-Information", "Write-Output", "Write-Progress", "Write-Verbose", "Write-Warning",
  // Microsoft.PowerShell.Security
  "ConvertFrom-SecureString", "ConvertTo-SecureString", "Get-Acl", "Get-AuthenticodeSignature",
  "Get-CmsMessage", "Get-Credential", "Get-ExecutionPolicy", "Get-PfxCertificate", "New-FileCatalog",
  "Protect-CmsMessage", "Set-Acl", "Set-AuthenticodeSignature", "Set-ExecutionPolicy",
  "Test-FileCatalog", "Unprotect-CmsMessage",
  // Microsoft.PowerShell.Diagnostics, .Host, .Archive
  "Export-Counter", "Get-Counter", "Get-WinEvent", "Import-Counter", "New-WinEvent",
  "Start-Transcript", "Stop-Transcript", "Compress-Archive", "Expand-Archive",
  // CimCmdlets
  "Get-CimAssociatedInstance", "Get-CimClass", "Get-CimInstance", "Get-CimSession", "Invoke-CimMethod",
  "New-CimInstance", "New-CimSession", "New-CimSessionOption", "Register-CimIndicationEvent",
  "Remove-CimInstance", "Remove-CimSession", "Set-CimInstance",
];

/**
 * Built-in aliases, mapped to what they run. Known, but the checks see through them
 * (an `echo $Secret` is a Write-Output). Scripts should prefer the full cmdlet names.
 */
export const BUILTIN_ALIASES: Readonly<Record<string, string>> = {
  "%": "ForEach-Object", "?": "Where-Object", foreach: "ForEach-Object", where: "Where-Object",
  select: "Select-Object", sort: "Sort-Object", group: "Group-Object", measure: "Measure-Object",
  ft: "Format-Table", fl: "Format-List", gci: "Get-ChildItem", ls: "Get-ChildItem", dir: "Get-ChildItem",
  gc: "Get-Content", cat: "Get-Content", type: "Get-Content", echo: "Write-Output", write: "Write-Output",
  iex: "Invoke-Expression", icm: "Invoke-Command", saps: "Start-Process", start: "Start-Process",
  sleep: "Start-Sleep", cd: "Set-Location", sl: "Set-Location", pwd: "Get-Location", gl: "Get-Location",
  cp: "Copy-Item", copy: "Copy-Item", mv: "Move-Item", move: "Move-Item", rm: "Remove-Item",
  del: "Remove-Item", erase: "Remove-Item", rd: "Remove-Item", rmdir: "Remove-Item", ni: "New-Item",
  md: "mkdir", mkdir: "mkdir", gi: "Get-Item", gp: "Get-ItemProperty", sp: "Set-ItemProperty",
  gsv: "Get-Service", gps: "Get-Process", ps: "Get-Process", kill: "Stop-Process", tee: "Tee-Object",
  ipmo: "Import-Module", gcm: "Get-Command", gwmi: "Get-WmiObject", gcim: "Get-CimInstance",
  irm: "Invoke-RestMethod", iwr: "Invoke-WebRequest", curl: "Invoke-WebRequest", wget: "Invoke-WebRequest",
  oh: "Out-Host", clear: "Clear-Host", cls: "Clear-Host", h: "Get-History", history: "Get-History",
  pushd: "Push-Location", popd: "Pop-Location", sc: "Set-Content", ac: "Add-Content", nal: "New-Alias",
};
