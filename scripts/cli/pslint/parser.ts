import { Language, Parser, type Node, type Tree } from "web-tree-sitter";

let parser: Parser | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads the PowerShell grammar (tree-sitter-powershell's prebuilt wasm) once per process.
 * Every other entry point of pslint needs it; await it before calling the sync functions.
 */
export function initPsLint(): Promise<void> {
  if (parser) return Promise.resolve();
  loading ??= (async () => {
    await Parser.init();
    const wasm = require.resolve("tree-sitter-powershell/tree-sitter-powershell.wasm");
    const language = await Language.load(wasm);
    const p = new Parser();
    p.setLanguage(language);
    parser = p;
  })();
  return loading;
}

export function parsePowerShell(text: string): Tree {
  if (!parser) {
    throw new Error("pslint: the PowerShell grammar is not loaded; `await initPsLint()` first");
  }
  const tree = parser.parse(text);
  if (!tree) throw new Error("pslint: the parser returned no tree");
  return tree;
}

export type { Node, Tree };
