/**
 * How Windows PowerShell 5.1 prints a script's trap (Write-Error) in a run command's error stream:
 * the script path, " : ", the message, then the category lines. UNCONFIRMED: the exact decoration
 * (and whether a long message is wrapped at a console width there); the diagnosis signatures need
 * only the message to be on one line.
 */
export function errorView(message: string): string[] {
  const script = "C:\\Packages\\Plugins\\Microsoft.CPlat.Core.RunCommandHandlerWindows\\2.0.9\\Downloads\\script0.ps1";
  return [
    `${script} : ${message}`,
    "    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException",
    "    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException,script0.ps1",
  ];
}
