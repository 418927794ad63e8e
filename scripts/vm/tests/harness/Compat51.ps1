<#
  What Windows PowerShell 5.1 (the powershell.exe a managed run command starts) cannot run, found
  in the real PowerShell AST: PowerShell 7 syntax, cmdlets and parameters, automatic variables,
  and text written for another program without a stated encoding (5.1's defaults differ from
  7's: Out-File and `>` write UTF-16LE, Set-Content the ANSI code page). Each problem says what
  to write instead. Dot-sourced by run.ps1 and by the harness's own tests.
#>
Set-StrictMode -Version Latest

$script:Ps7OnlyCmdlets = @{
    'Test-Json' = 'parse with ConvertFrom-Json inside try/catch'
    'Join-String' = "use -join (`$items -join ',')"
    'Get-Error' = 'read $Error[0] or the caught $_'
    'ConvertFrom-Markdown' = 'not available'
    'Show-Markdown' = 'not available'
    'Remove-Alias' = 'use Remove-Item -Path Alias:\<name>'
    'Get-Uptime' = 'read (Get-CimInstance -ClassName Win32_OperatingSystem).LastBootUpTime'
    'ConvertTo-CliXml' = 'use Export-Clixml'
    'ConvertFrom-CliXml' = 'use Import-Clixml'
    'Remove-Service' = 'use sc.exe delete'
    'Get-PSSubsystem' = 'not available'
    'Enable-ExperimentalFeature' = 'not available'
    'Disable-ExperimentalFeature' = 'not available'
    'Get-ExperimentalFeature' = 'not available'
}

# Cmdlet -> parameter -> what to write in 5.1. Names are matched case-insensitively and by prefix
# the way PowerShell binds them.
$script:Ps7OnlyParameters = @{
    'ForEach-Object' = @{ 'Parallel' = 'a foreach loop (or Start-Job) instead of ForEach-Object -Parallel'; 'ThrottleLimit' = 'a foreach loop'; 'AsJob' = 'Start-Job' }
    'ConvertFrom-Json' = @{ 'AsHashtable' = 'walk the PSCustomObject (.PSObject.Properties) instead of -AsHashtable'; 'Depth' = 'no -Depth (5.1 has none)'; 'NoEnumerate' = 'wrap the result in @()' }
    'ConvertTo-Json' = @{ 'AsArray' = 'ConvertTo-Json -InputObject @($x)'; 'EnumsAsStrings' = 'convert enums with .ToString() first'; 'EscapeHandling' = 'not available' }
    'Get-Content' = @{ 'AsByteStream' = '-Encoding Byte' }
    'Set-Content' = @{ 'AsByteStream' = '-Encoding Byte' }
    'Add-Content' = @{ 'AsByteStream' = '-Encoding Byte' }
    'Invoke-WebRequest' = @{ 'SkipCertificateCheck' = 'not available (use a trusted certificate)'; 'Authentication' = '-Credential or an Authorization header'; 'Token' = 'an Authorization header'; 'SkipHttpErrorCheck' = 'try/catch around the call'; 'StatusCodeVariable' = 'the response .StatusCode'; 'ResponseHeadersVariable' = 'the response .Headers'; 'Resume' = 'not available'; 'MaximumRetryCount' = 'a retry loop'; 'RetryIntervalSec' = 'a retry loop'; 'SslProtocol' = '[Net.ServicePointManager]::SecurityProtocol'; 'HttpVersion' = 'not available'; 'SkipHeaderValidation' = 'not available'; 'Form' = '-Body'; 'NoProxy' = '-Proxy'; 'ConnectionTimeoutSeconds' = '-TimeoutSec'; 'OperationTimeoutSeconds' = '-TimeoutSec' }
    'Invoke-RestMethod' = @{ 'SkipCertificateCheck' = 'not available (use a trusted certificate)'; 'Authentication' = '-Credential or an Authorization header'; 'Token' = 'an Authorization header'; 'SkipHttpErrorCheck' = 'try/catch around the call'; 'StatusCodeVariable' = 'Invoke-WebRequest and .StatusCode'; 'ResponseHeadersVariable' = 'Invoke-WebRequest and .Headers'; 'Resume' = 'not available'; 'MaximumRetryCount' = 'a retry loop'; 'RetryIntervalSec' = 'a retry loop'; 'SslProtocol' = '[Net.ServicePointManager]::SecurityProtocol'; 'Form' = '-Body' }
    'Start-Process' = @{ 'Environment' = 'set $env:NAME before Start-Process' }
    'Test-Connection' = @{ 'TargetName' = '-ComputerName'; 'Ping' = 'the default'; 'TcpPort' = 'Test-NetConnection -Port'; 'Traceroute' = 'Test-NetConnection -TraceRoute'; 'MtuSize' = 'not available'; 'Repeat' = 'a loop'; 'IPv4' = 'not available'; 'IPv6' = 'not available'; 'ResolveDestination' = 'Resolve-DnsName' }
    'Select-String' = @{ 'Raw' = '.Line of each match'; 'NoEmphasis' = 'not needed'; 'Culture' = 'not available' }
    'Split-Path' = @{ 'Extension' = '[IO.Path]::GetExtension()'; 'LeafBase' = '[IO.Path]::GetFileNameWithoutExtension()' }
    'Join-Path' = @{ 'AdditionalChildPath' = 'nested Join-Path calls' }
    'Get-Date' = @{ 'AsUTC' = '(Get-Date).ToUniversalTime()'; 'UnixTimeSeconds' = '[DateTimeOffset]::FromUnixTimeSeconds()' }
    'Import-Module' = @{ 'UseWindowsPowerShell' = 'Import-Module (5.1 is Windows PowerShell)'; 'SkipEditionCheck' = 'Import-Module' }
    'Sort-Object' = @{ 'Top' = 'Select-Object -First after Sort-Object'; 'Bottom' = 'Select-Object -Last after Sort-Object'; 'Stable' = 'not available' }
    'Invoke-Command' = @{ 'HostName' = '-ComputerName'; 'SSHTransport' = 'WinRM (-ComputerName)'; 'KeyFilePath' = 'WinRM'; 'UserName' = '-Credential' }
    'Get-ChildItem' = @{ 'FollowSymlink' = 'not available' }
}

# Encoding names PowerShell 7 added; 5.1 accepts Unknown, String, Unicode, BigEndianUnicode,
# UTF8, UTF7, UTF32, Ascii, Default, Oem (and Byte for the content cmdlets).
$script:Ps7OnlyEncodings = @('utf8NoBOM', 'utf8BOM', 'ansi', 'latin1', 'bigendianutf32')

# Cmdlets that write files another program reads: the encoding must be stated.
$script:FileWritingCmdlets = @('Out-File', 'Set-Content', 'Add-Content', 'Export-Csv')

$script:Ps7OnlyVariables = @{
    'IsWindows' = 'nothing: the run command always runs on Windows'
    'IsLinux' = 'nothing: the run command always runs on Windows'
    'IsMacOS' = 'nothing: the run command always runs on Windows'
    'IsCoreCLR' = "`$PSVersionTable.PSEdition -eq 'Core'"
    'PSStyle' = 'plain text'
    'PSNativeCommandUseErrorActionPreference' = 'check $LASTEXITCODE after the native command'
    'PSNativeCommandArgumentPassing' = 'quote native arguments explicitly'
}

function New-Ps51Problem {
    param($Extent, [string] $Rule, [string] $Message)
    [pscustomobject]@{ Line = $Extent.StartLineNumber; Column = $Extent.StartColumnNumber; Rule = $Rule; Message = $Message }
}

function Get-BoundParameterName {
    # The parameter a -Name argument binds to, by exact or unique-prefix match, as PowerShell does.
    param([string] $Written, [string[]] $Known)
    $exact = @($Known | Where-Object { $_ -ieq $Written })
    if ($exact.Count -eq 1) { return $exact[0] }
    $prefix = @($Known | Where-Object { $_.StartsWith($Written, [StringComparison]::OrdinalIgnoreCase) })
    if ($prefix.Count -eq 1) { return $prefix[0] }
    return $null
}

<#
.SYNOPSIS
  Problems that stop $Ast (a ScriptBlockAst from the real parser) on Windows PowerShell 5.1, and
  file writes without a stated encoding. $Tokens are the parser's tokens of the same text.
#>
function Get-Ps51Problem {
    param(
        [Parameter(Mandatory = $true)] [System.Management.Automation.Language.Ast] $Ast,
        [System.Management.Automation.Language.Token[]] $Tokens = @()
    )
    $L = [System.Management.Automation.Language.TokenKind]
    $all = $Ast.FindAll({ $true }, $true)
    foreach ($node in $all) {
        switch ($node.GetType().Name) {
            'TernaryExpressionAst' { New-Ps51Problem $node.Extent 'ps7-syntax' "the ternary operator 'a ? b : c' is PowerShell 7 only; write: if (a) { b } else { c }" }
            'PipelineChainAst' { New-Ps51Problem $node.Extent 'ps7-syntax' "pipeline chains '&&' and '||' are PowerShell 7 only; write: cmd1; if (`$?) { cmd2 } (or check `$LASTEXITCODE)" }
            'BinaryExpressionAst' {
                if ($node.Operator -eq $L::QuestionQuestion) { New-Ps51Problem $node.Extent 'ps7-syntax' "the null-coalescing operator '??' is PowerShell 7 only; write: if (`$null -ne `$a) { `$a } else { `$b }" }
            }
            'AssignmentStatementAst' {
                if ($node.Operator -eq $L::QuestionQuestionEquals) { New-Ps51Problem $node.Extent 'ps7-syntax' "'??=' is PowerShell 7 only; write: if (`$null -eq `$a) { `$a = `$b }" }
            }
            { $_ -in 'MemberExpressionAst', 'InvokeMemberExpressionAst', 'IndexExpressionAst' } {
                if ($node.PSObject.Properties['NullConditional'] -and $node.NullConditional) { New-Ps51Problem $node.Extent 'ps7-syntax' "null-conditional access '?.' / '?[]' is PowerShell 7 only; test for `$null first" }
            }
            'ScriptBlockAst' {
                if ($node.PSObject.Properties['CleanBlock'] -and $null -ne $node.CleanBlock) { New-Ps51Problem $node.CleanBlock.Extent 'ps7-syntax' "the 'clean' block is PowerShell 7.3 only; use try/finally in the end block" }
            }
            'VariableExpressionAst' {
                $name = $node.VariablePath.UserPath
                if ($script:Ps7OnlyVariables.ContainsKey($name)) { New-Ps51Problem $node.Extent 'ps7-variable' "`$$name does not exist in Windows PowerShell 5.1; instead: $($script:Ps7OnlyVariables[$name])" }
            }
            'FileRedirectionAst' {
                $target = $node.Location.Extent.Text
                if ($target -ne '$null') { New-Ps51Problem $node.Extent 'encoding' "redirection '>' writes UTF-16LE in Windows PowerShell 5.1 and UTF-8 in 7; write with Out-File -FilePath $target -Encoding <name> (or redirect to `$null)" }
            }
            'CommandAst' {
                $name = $node.GetCommandName()
                if (-not $name) { break }
                if ($script:Ps7OnlyCmdlets.ContainsKey($name)) { New-Ps51Problem $node.Extent 'ps7-cmdlet' "$name does not exist in Windows PowerShell 5.1; instead: $($script:Ps7OnlyCmdlets[$name])" }
                $names = @($node.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] } | ForEach-Object { $_.ParameterName })
                $key = @($script:Ps7OnlyParameters.Keys | Where-Object { $_ -ieq $name })
                if ($key.Count -eq 1) {
                    $table = $script:Ps7OnlyParameters[$key[0]]
                    foreach ($p in $names) {
                        $bound = Get-BoundParameterName -Written $p -Known @($table.Keys)
                        if ($bound) { New-Ps51Problem $node.Extent 'ps7-parameter' "$name -$bound is PowerShell 7 only; instead: $($table[$bound])" }
                    }
                }
                if ($script:FileWritingCmdlets -icontains $name) {
                    $encoding = @($node.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] -and 'Encoding'.StartsWith($_.ParameterName, [StringComparison]::OrdinalIgnoreCase) -and $_.ParameterName.Length -ge 3 })
                    if ($encoding.Count -eq 0) {
                        New-Ps51Problem $node.Extent 'encoding' "$name without -Encoding writes $(if ($name -ieq 'Out-File') { 'UTF-16LE' } else { 'the ANSI code page' }) in Windows PowerShell 5.1 and UTF-8 in 7: state -Encoding (for example UTF8, Ascii or Unicode)"
                    }
                }
                foreach ($i in 0..($node.CommandElements.Count - 1)) {
                    $el = $node.CommandElements[$i]
                    if ($el -is [System.Management.Automation.Language.CommandParameterAst] -and $el.ParameterName.Length -ge 3 -and 'Encoding'.StartsWith($el.ParameterName, [StringComparison]::OrdinalIgnoreCase)) {
                        $arg = if ($el.Argument) { $el.Argument } elseif ($i + 1 -lt $node.CommandElements.Count) { $node.CommandElements[$i + 1] } else { $null }
                        if ($arg -is [System.Management.Automation.Language.StringConstantExpressionAst] -and $script:Ps7OnlyEncodings -icontains $arg.Value) {
                            New-Ps51Problem $arg.Extent 'ps7-parameter' "-Encoding $($arg.Value) is PowerShell 7 only; 5.1 knows UTF8 (with BOM), Ascii, Unicode, UTF32, Default, Oem"
                        }
                    }
                }
            }
        }
    }
    foreach ($t in $Tokens) {
        if ($t.Kind -eq $L::Number -and $t.Text -match '^(0[bB][01_]+|[0-9]+(u|ul|y|uy|s|us|n))$') {
            New-Ps51Problem $t.Extent 'ps7-syntax' "the number literal $($t.Text) (binary or with a type suffix) is PowerShell 7 only; write a plain decimal or 0x hex number with a [type] cast"
        }
        if ($t.Kind -eq $L::StringExpandable -and $t.Text -match '`u\{') {
            New-Ps51Problem $t.Extent 'ps7-syntax' "the escape ``u{...} is PowerShell 6+ only; write [char]0x<code>"
        }
    }
}
