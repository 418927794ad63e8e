<#
  `dsregcmd /status` texts for the tests of the scripts that read it (wait-hybrid-join,
  device-join-trigger, lab-verify-client), dot-sourced by their test files. Shaped on the samples
  of Microsoft's pages (box lines, section titles, "Name : value" right-aligned names):
  https://learn.microsoft.com/entra/identity/devices/troubleshoot-device-dsregcmd
  https://learn.microsoft.com/entra/identity/devices/troubleshoot-hybrid-join-windows-current
  Each function returns the lines as PowerShell hands a native program's output to a script.
#>

$script:DsregTenant = '72f988bf-86f1-41af-91ab-2d7cd011db47'
$script:DsregDeviceId = '00aa00aa-bb11-cc22-dd33-44ee44ee44ee'
$script:DsregBox = '+----------------------------------------------------------------------+'

function ConvertTo-DsregLines {
    param([string] $Text)
    return @($Text -split "\r?\n")
}

<# A hybrid-joined device (the Device State / Device Details / Tenant Details sections of the doc's sample). #>
function Get-DsregJoinedText {
    param([string] $TenantId = $script:DsregTenant, [string] $DomainJoined = 'YES')
    ConvertTo-DsregLines @"
$DsregBox
| Device State                                                         |
$DsregBox

             AzureAdJoined : YES
          EnterpriseJoined : NO
              DomainJoined : $DomainJoined
                DomainName : CORP
               Device Name : WIN11-01.corp.cmglab.example

$DsregBox
| Device Details                                                       |
$DsregBox

                  DeviceId : $DsregDeviceId
                Thumbprint : AA11BB22CC33DD44EE55FF66AA77BB88CC99DD00
 DeviceCertificateValidity : [ 2026-01-01 07:02:50.000 UTC -- 2036-01-01 07:32:50.000 UTC ]
            KeyContainerId : bae6a60b-1d2f-4d2a-a298-33385f6d05e9
               KeyProvider : Microsoft Software Key Storage Provider
              TpmProtected : NO
          DeviceAuthStatus : SUCCESS

$DsregBox
| Tenant Details                                                       |
$DsregBox

                TenantName : Contoso Lab
                  TenantId : $TenantId
                       Idp : login.windows.net
               AuthCodeUrl : https://login.microsoftonline.com/$TenantId/oauth2/authorize
                JoinSrvUrl : https://enterpriseregistration.windows.net/EnrollmentServer/device/

$DsregBox
| Diagnostic Data                                                      |
$DsregBox

         AadRecoveryEnabled: NO
               KeySignTest : PASSED

$DsregBox
"@
}

<#
  A domain-joined device that is not (yet) Entra joined: the Device State section, then the
  pre-join Diagnostic Data with the given tests and, when given, the previous registration's lines.
#>
function Get-DsregNotJoinedText {
    param(
        [string] $AdConfiguration = 'PASS',
        [string] $DrsDiscovery = 'PASS',
        [string] $DrsConnectivity = 'PASS',
        [string[]] $Registration = @(),
        [string] $DomainJoined = 'YES'
    )
    $previous = ($Registration | ForEach-Object { $_ }) -join "`n"
    ConvertTo-DsregLines @"
$DsregBox
| Device State                                                         |
$DsregBox

             AzureAdJoined : NO
          EnterpriseJoined : NO
              DomainJoined : $DomainJoined
                DomainName : CORP
               Device Name : WIN11-01.corp.cmglab.example

$DsregBox
| Diagnostic Data                                                      |
$DsregBox

     Diagnostics Reference : www.microsoft.com/aadjerrors
              User Context : SYSTEM
               Client Time : 2026-01-01 08:25:31.000 UTC
      AD Connectivity Test : PASS
     AD Configuration Test : $AdConfiguration
        DRS Discovery Test : $DrsDiscovery
     DRS Connectivity Test : $DrsConnectivity
    Token acquisition Test : SKIPPED
     Fallback to Sync-Join : ENABLED

$previous

$DsregBox
"@
}

<# The reference lab's second miss, in its own words: the device object is not in Entra ID. #>
function Get-DsregNotSyncedText {
    param([string] $Message = 'The device object by the given ID (11bb11bb-cc22-dd33-ee44-55ff55ff55ff) is not found.')
    Get-DsregNotJoinedText -Registration @(
        '     Previous Registration : 2026-01-01 08:16:43.000 UTC'
        '         Registration Type : sync'
        '               Error Phase : join'
        '          Client ErrorCode : 0x801c03f2'
        '          Server ErrorCode : DirectoryError'
        "            Server Message : $Message"
        '              Https Status : 400'
        '                Request Id : 6bff0bd9-820b-484b-ab20-2a4f7b76c58e'
    )
}

<#
  No SCP to read: the AD Configuration Test fails and the join stops in the discover phase with
  DSREG_AUTOJOIN_ADCONFIG_READ_FAILED (0x801c001d). The doc names the code and the test; the
  "FAIL [code]" shape is the one its DRS Discovery Test sample shows (UNCONFIRMED for this test).
#>
function Get-DsregScpMissingText {
    Get-DsregNotJoinedText -AdConfiguration 'FAIL [0x801c001d]' -DrsDiscovery 'SKIPPED' -DrsConnectivity 'SKIPPED' -Registration @(
        '     Previous Registration : 2026-01-01 08:16:43.000 UTC'
        '               Error Phase : discover'
        '          Client ErrorCode : 0x801c001d'
    )
}

<# A domain member outside any domain-join (DomainJoined NO): dsregcmd shows no diagnostic data then. #>
function Get-DsregWorkgroupText {
    ConvertTo-DsregLines @"
$DsregBox
| Device State                                                         |
$DsregBox

             AzureAdJoined : NO
          EnterpriseJoined : NO
              DomainJoined : NO
               Device Name : WIN11-01

$DsregBox
"@
}
