import type * as random from "@pulumi/random";

/**
 * The special characters generated passwords may contain: none needs quoting in PowerShell, cmd
 * or an unattend file, so a password can never break the script or command line it reaches.
 */
export const SAFE_SPECIALS = "!#%*-_=+?";

/**
 * Arguments of every generated lab password: at least two of each character class, which meets
 * Azure's VM rule (12-123 characters, three classes), Entra's and AD's default complexity.
 */
export function labPasswordArgs(length: number): random.RandomPasswordArgs {
  return { length, minLower: 2, minUpper: 2, minNumeric: 2, minSpecial: 2, overrideSpecial: SAFE_SPECIALS };
}
