/** `cmg-lab:location`: the Azure region of every lab resource. */
import { AZURE_REGIONS, SUGGESTED_REGIONS } from "../config-data";
import { closest } from "../config-util";
import { field, fail, text } from "../schema";

export const location = field({
  kind: "string",
  doc: "Azure region of every lab resource, programmatic name such as westeurope (one the CMG cmdlet accepts)",
  default: "westeurope",
  pulumiDefault: "westeurope",
  example: "westeurope",
  schema: (ctx) =>
    text((value, zctx) => {
      if (AZURE_REGIONS.includes(value)) return;
      const normalized = value.toLowerCase().replace(/[\s_-]+/g, "");
      const display = AZURE_REGIONS.includes(normalized);
      const suggestion = display ? normalized : closest(normalized, AZURE_REGIONS);
      fail(zctx, display ? "is a region's display name; Azure wants the programmatic name (lowercase letters and digits)" : "is not a public Azure region this project knows", {
        fix:
          suggestion !== undefined
            ? `pulumi config set ${ctx.key("location")} ${suggestion}`
            : `use a region name such as ${SUGGESTED_REGIONS.join(", ")} (az account list-locations -o table lists them); a region opened since this list was written goes into AZURE_REGIONS in stacks/config/config-data.ts`,
      });
    }),
});
