# Library (inlined by `#include lib/dsreg.ps1`): the fields of `dsregcmd /status`.
function ConvertFrom-DsregStatus {
    param(
        [string[]] $Lines
    )
    # Same rule as parseDsregStatus in stacks/ad.ts: "Name : value", first occurrence wins.
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
    $lines = @(dsregcmd /status)
    return ConvertFrom-DsregStatus -Lines $lines
}

function Get-Field {
    param(
        [hashtable] $Fields,
        [string] $Name
    )
    if ($Fields.ContainsKey($Name)) { return [string] $Fields[$Name] }
    return ''
}
