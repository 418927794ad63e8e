import type { RecordedResource } from "../../scripts/cli/offline/evaluate";
import { decodeParameterValue } from "../../stacks/model/run-command-transport";

/**
 * A run command's parameters as the script receives them: name -> value, with the values that
 * travel encoded (stacks/model/run-command-transport.ts) decoded. Non-string values (the "[secret]"
 * marker of redacted inputs, say) are returned as they are.
 */
export function sentParameters(rc: RecordedResource, key: "parameters" | "protectedParameters", view: "plain" | "redacted" = "plain"): Record<string, unknown> {
  const source = view === "plain" ? rc.plainInputs : rc.inputs;
  const list = (source[key] as { name: string; value: unknown }[] | undefined) ?? [];
  return Object.fromEntries(list.map((p) => [p.name, typeof p.value === "string" ? decodeParameterValue(p.value) : p.value]));
}

/** The same as a `{ name, value }` list, in the order sent. */
export function sentParameterList(rc: RecordedResource, key: "parameters" | "protectedParameters", view: "plain" | "redacted" = "plain"): { name: string; value: unknown }[] {
  return Object.entries(sentParameters(rc, key, view)).map(([name, value]) => ({ name, value }));
}
