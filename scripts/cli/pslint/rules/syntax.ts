/**
 * Rule: pslint's grammar can read the script. The real PowerShell parser is the syntax gate
 * (npm run test:ps); this only says that the other rules were skipped.
 */
import type { Node } from "../parser";
import { report, type Ctx } from "./shared";

export function checkSyntax(ctx: Ctx): void {
  const visit = (n: Node): void => {
    if (n.type === "ERROR") {
      const snippet = n.text.split("\n")[0]?.slice(0, 40) ?? "";
      report(ctx, n, "syntax", `pslint's grammar cannot parse ${JSON.stringify(snippet)}, so its other rules were skipped (npm run test:ps has the real parser's verdict)`);
      return;
    }
    if (n.isMissing) {
      report(ctx, n, "syntax", `pslint's grammar misses ${JSON.stringify(n.type)} here, so its other rules were skipped (npm run test:ps has the real parser's verdict)`);
      return;
    }
    if (!n.hasError) return;
    for (const c of n.children) visit(c);
  };
  visit(ctx.root);
}
