/** A VM size field (domain.dcVmSize, site.vmSize, sync.vmSize, clients[].vmSize): checked against the role's minimum. */
import { z } from "zod";
import type { Ctx } from "../config-issues";
import { VM_MINIMUMS, VM_SIZES, type VmRole } from "../config-data";
import { fail, field, warn } from "../schema";

/** `Standard_*`, at least the role's minimum when the size is in VM_SIZES (then written canonically); an unknown size warns. */
export function vmSize(ctx: Ctx, def: string, role: VmRole): z.ZodType<string> {
  const min = VM_MINIMUMS[role];
  return z.string().transform((text, zctx) => {
    if (!/^standard_[a-z0-9_]+$/i.test(text)) {
      fail(zctx, "is not an Azure VM size name (they look like Standard_D4s_v5)", { fix: `use a size such as ${def}` });
      return z.NEVER;
    }
    const canonical = Object.keys(VM_SIZES).find((k) => k.toLowerCase() === text.toLowerCase());
    if (canonical === undefined) {
      warn(zctx, ctx, `is not in this project's table of VM sizes, so it cannot be checked against the ${min.label}'s minimum of ${min.vcpus} vCPU and ${min.memoryGiB} GB`, {
        fix: `make sure it has at least ${min.vcpus} vCPU and ${min.memoryGiB} GB and is offered in the lab's region, or use ${def}`,
      });
      return text;
    }
    const spec = VM_SIZES[canonical];
    if (spec !== undefined && (spec.vcpus < min.vcpus || spec.memoryGiB < min.memoryGiB)) {
      fail(zctx, `${canonical} has ${spec.vcpus} vCPU and ${spec.memoryGiB} GB, below the ${min.label}'s minimum of ${min.vcpus} vCPU and ${min.memoryGiB} GB (${min.why})`, { fix: `use ${def} or a larger size` });
      return z.NEVER;
    }
    return canonical;
  });
}

/** The field: its description names the role's minimum. */
export function vmSizeField(def: string, role: VmRole, what: string) {
  const min = VM_MINIMUMS[role];
  return field({
    kind: "string",
    doc: `${what} VM size (at least ${min.vcpus} vCPU / ${min.memoryGiB} GB)`,
    default: def,
    example: def,
    schema: (ctx: Ctx) => vmSize(ctx, def, role),
  });
}
