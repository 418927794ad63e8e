# Library (inlined by `#include lib/dsreg.ps1`): reading `dsregcmd /status` and naming the runbook
# step a device that is not hybrid joined most likely misses.
# Fields: https://learn.microsoft.com/entra/identity/devices/troubleshoot-device-dsregcmd
# Codes: https://learn.microsoft.com/entra/identity/devices/troubleshoot-hybrid-join-windows-current
function Get-DsregStatusLines {
    return @(dsregcmd /status)
}

function ConvertFrom-DsregStatus {
    param(
        [string[]] $Lines
    )
    # "Name : value" (or the older "Name: value"), names as printed (spaces kept, e.g. "Client
    # ErrorCode"); box lines and section titles do not match; the first occurrence wins.
    $fields = @{}
    foreach ($line in $Lines) {
        if ($line -match '^\s*([A-Za-z][A-Za-z0-9 \-]*?)\s*:\s?(.*)$') {
            $name = $Matches[1].Trim()
            if (-not $fields.ContainsKey($name)) { $fields[$name] = $Matches[2].Trim() }
        }
    }
    return $fields
}

function Get-DsregFields {
    return ConvertFrom-DsregStatus -Lines (Get-DsregStatusLines)
}

function Get-Field {
    param(
        [hashtable] $Fields,
        [string] $Name
    )
    if ($Fields.ContainsKey($Name)) { return [string] $Fields[$Name] }
    return ''
}

function New-DsregVerdict {
    param(
        [string] $Step,
        [string] $Hint
    )
    return [pscustomobject]@{ Step = $Step; Hint = $Hint }
}

function Get-DsregMissedStep {
    param(
        [hashtable] $Fields,
        [string] $TenantId
    )
    # The runbook step most likely missed (Step) and what to check (Hint); the first matching
    # rule wins. The DRS Discovery Test's value carries the discover phase's sub-error
    # ("FAIL [0x801c0021/<sub-error>]"), where the tenant-not-found code shows up (the page lists
    # 0x801c003a among the discover phase's sub-errors and shows the line with a network one;
    # the line with 0x801c003a itself is UNCONFIRMED).
    $diag = @('Client ErrorCode', 'Server ErrorCode', 'Server Message', 'Error Phase', 'DRS Discovery Test' | ForEach-Object { Get-Field -Fields $Fields -Name $_ }) -join ' '
    if ((Get-Field -Fields $Fields -Name 'DomainJoined') -ne 'YES') { return (New-DsregVerdict -Step 'clients' -Hint 'the computer is not domain joined (step clients: domain join into the Workstations OU)') }
    if ($TenantId -and ((Get-Field -Fields $Fields -Name 'AzureAdJoined') -eq 'YES') -and ((Get-Field -Fields $Fields -Name 'TenantId') -ne $TenantId)) {
        return (New-DsregVerdict -Step 'hybrid-join-scp' -Hint "joined to another tenant than $($TenantId): the SCP's azureADId is wrong (step hybrid-join-scp)")
    }
    if (((Get-Field -Fields $Fields -Name 'AD Configuration Test') -like 'FAIL*') -or ($diag -match '0x801c001d')) { return (New-DsregVerdict -Step 'hybrid-join-scp' -Hint 'the device cannot read the Service Connection Point (step hybrid-join-scp)') }
    if ($diag -match 'AADSTS90002|0x801c003a') { return (New-DsregVerdict -Step 'hybrid-join-scp' -Hint 'the tenant named in the SCP is not found: azureADId is wrong (step hybrid-join-scp)') }
    if ($diag -match "device object by the given id\b.{0,80}?(is not|isn't|not) found|0x801c03f2|DirectoryError") {
        return (New-DsregVerdict -Step 'sync-scope' -Hint 'the device object is not in Entra ID: the Workstations OU is not in the Entra Connect sync scope or no delta sync has run since the device wrote its certificate (step sync-scope)')
    }
    if (((Get-Field -Fields $Fields -Name 'DRS Discovery Test') -like 'FAIL*') -or ((Get-Field -Fields $Fields -Name 'DRS Connectivity Test') -like 'FAIL*') -or ($diag -match '0x801c0021|0x801c001f|0x801c003d')) {
        return (New-DsregVerdict -Step 'network' -Hint 'the device cannot reach the device registration service: outbound HTTPS to enterpriseregistration.windows.net and login.microsoftonline.com (step network)')
    }
    return (New-DsregVerdict -Step 'sync-scope' -Hint 'no join error recorded yet: the Automatic-Device-Join task has not completed, or the computer object has not been synced (step sync-scope)')
}
