/**
 * Signatures of Pulumi's wire format for special values (sdk/nodejs/runtime/rpc.ts), shared by the
 * offline evaluator (mock registrations) and `npm run credentials` (stack exports). A module of
 * its own so the credentials command does not load the program to read two constants.
 */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const RESOURCE_REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e";

/** True for a value wrapped as a secret (`{ <SIG_KEY>: <SECRET_SIG>, ... }`). */
export function isSecretEnvelope(value: unknown): boolean {
  return value !== null && typeof value === "object" && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}
