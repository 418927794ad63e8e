/**
 * PowerShell quality gate for the scripts that run inside the lab's VMs (`npm run lint:scripts`).
 * Usage: tsx scripts/lint-scripts.ts [file.ps1 ...]   (default: every scripts/**\/*.ps1)
 * Prints `file:line:col: rule: message` per problem and exits 1 if there is any.
 */
import { resolve } from "node:path";
import { formatProblem, lintFiles, listScripts } from "./pslint";

async function main(): Promise<number> {
  const started = Date.now();
  const args = process.argv.slice(2);
  const files = args.length > 0 ? args.map((a) => resolve(a)) : listScripts();
  const problems = await lintFiles(files);
  for (const p of problems) console.log(formatProblem(p));
  const ms = Date.now() - started;
  if (problems.length > 0) {
    console.error(`pslint: ${problems.length} problem(s) in ${files.length} script(s) (${ms} ms)`);
    return 1;
  }
  console.log(`pslint: ${files.length} script(s) checked, no problems (${ms} ms)`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack ?? err.message : String(err));
    process.exit(2);
  },
);
