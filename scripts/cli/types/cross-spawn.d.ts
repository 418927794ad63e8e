/**
 * The part of cross-spawn 7 (github.com/moxystudio/node-cross-spawn, index.js) that scripts/cli
 * uses. It ships no types; @types/cross-spawn is not installed here (this repository's
 * node_modules is shared), and this one signature is all the tools call.
 */
declare module "cross-spawn" {
  import type { ChildProcess, SpawnOptions } from "node:child_process";

  /** child_process.spawn, resolving PATHEXT (az.cmd) and quoting for cmd.exe on Windows. */
  function spawn(command: string, args?: readonly string[], options?: SpawnOptions): ChildProcess;
  export = spawn;
}
