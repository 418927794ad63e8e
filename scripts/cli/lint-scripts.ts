/**
 * PowerShell quality gate for the scripts that run inside the lab's VMs (`npm run lint:scripts`).
 * Usage: npm run lint:scripts -- [file.ps1 ...]   (default: every scripts/vm/**\/*.ps1)
 * Prints `file:line:col: rule: message` per problem and exits 1 if there is any.
 */
import { resolve } from "node:path";
import { runCli } from "./cli";
import { formatProblem, lintFiles, listScripts } from "./pslint";

const USAGE = `usage: npm run lint:scripts -- [FILE.ps1...]

Checks the in-VM PowerShell scripts against the project's conventions and the cmdlet catalog
(default: every scripts/vm/**/*.ps1). Prints file:line:col: rule: message per problem.
Exit 0 clean, 1 problems, 2 usage error.

  -h, --help  show this help
`;

async function main(_values: object, args: string[]): Promise<number> {
  const started = Date.now();
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

runCli({ name: "lint:scripts", usage: USAGE, positionals: true, options: {} }, process.argv.slice(2), main);
