/**
 * The one place that decides whether a run-command parameter carries a secret: the run-command
 * contract check (scripts/cli/pslint) and the policy pack's run-command-secrets-protected both use it.
 * A name is secret when it ends, with this exact casing, in one of these suffixes
 * (PascalCase, as PowerShell parameter names are written), or is exactly the suffix.
 */
export const SECRET_NAME_SUFFIXES = ["Password", "Secret", "Pfx", "PfxBase64", "Key", "Token"] as const;

export function isSecretParameterName(name: string): boolean {
  const bare = name.startsWith("$") ? name.slice(1) : name;
  return SECRET_NAME_SUFFIXES.some(
    (suffix) => bare.endsWith(suffix) || bare.toLowerCase() === suffix.toLowerCase(),
  );
}
