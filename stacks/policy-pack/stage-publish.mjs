// Stages a self-contained copy of the policy pack for `pulumi policy publish`.
//
// Why: `pulumi policy publish` uploads the pack directory alone, and the machines that later run
// the published pack install its package.json dependencies into that copy. The pack imports the
// runbook table (stacks/model/runbook.ts) and the step component's type (components/lab-step.ts) from
// the project, so that the runbook stays the single source; those files are outside the pack
// directory and would be missing. This script compiles the pack with the files it imports into
// one directory (JavaScript, relative layout kept), next to PulumiPolicy.yaml and a package.json
// whose `main` points at the compiled entry. Nothing is copied by hand; re-run it after a change.
//
// Usage: node stacks/policy-pack/stage-publish.mjs [OUT_DIR]   (default: bin/policy-pack)
//        cd bin/policy-pack && pulumi policy publish <org>
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
const out = resolve(process.argv[2] ?? join(root, "bin", "policy-pack"));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
execFileSync(
  process.execPath,
  [
    tsc,
    "--outDir", out,
    "--rootDir", root,
    "--target", "ES2022",
    "--module", "commonjs",
    "--moduleResolution", "node",
    "--types", "node",
    "--strict",
    "--esModuleInterop",
    "--skipLibCheck",
    join(here, "index.ts"),
  ],
  { stdio: "inherit", cwd: root },
);

const pkg = JSON.parse(readFileSync(join(here, "package.json"), "utf8"));
delete pkg.scripts;
pkg.main = "stacks/policy-pack/index.js";
writeFileSync(join(out, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
copyFileSync(join(here, "PulumiPolicy.yaml"), join(out, "PulumiPolicy.yaml"));
console.log(`staged ${pkg.name}@${pkg.version} in ${out}; publish with: cd ${out} && pulumi policy publish <org>`);
