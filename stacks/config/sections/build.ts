/** `cmg-lab:build`: how the build runs, not what it builds. */
import { z } from "zod";
import { field, objectOf } from "../schema";

export const buildFields = {
  parallelInGuest: field({
    kind: "boolean",
    doc: "run a VM's independent in-guest steps side by side (about 40 minutes faster on the plan); false runs every run command on a VM one after another, with the same inputs",
    default: true,
    example: "true",
    // Microsoft documents managed run commands on one Windows VM running side by side
    // (components/windows-vm.ts); should Azure refuse them with Conflict in a region or on an
    // older agent, false goes back to one after another: only dependencies change, so no script
    // re-runs for the switch.
    schema: () => z.boolean(),
  }),
};

export const build = field({
  kind: "object",
  doc: "How the build runs",
  default: {},
  pulumiDefault: {},
  example: "{ parallelInGuest: true }",
  fields: buildFields,
  schema: (ctx) => objectOf(buildFields, ctx),
});
