import type { Node } from "./parser";

/** 1-based position of a node's start. */
export function pos(node: Node): { line: number; column: number } {
  return { line: node.startPosition.row + 1, column: node.startPosition.column + 1 };
}

/** All nodes under `root` (itself included), depth first, in document order. */
export function* walk(root: Node): Generator<Node> {
  yield root;
  for (const child of root.children) yield* walk(child);
}

export function ofType(root: Node, ...types: string[]): Node[] {
  const out: Node[] = [];
  for (const n of walk(root)) if (types.includes(n.type)) out.push(n);
  return out;
}

export function ancestors(node: Node): Node[] {
  const out: Node[] = [];
  for (let p = node.parent; p; p = p.parent) out.push(p);
  return out;
}

export function isWithin(inner: Node, outer: Node): boolean {
  return inner.startIndex >= outer.startIndex && inner.endIndex <= outer.endIndex;
}

/** `$script:Foo`, `${Foo}`, `@Foo` -> `foo` (lower case); null for `$env:`-style drives and specials. */
export function variableKey(text: string): string | null {
  let t = text.trim();
  if (t.startsWith("$") || t.startsWith("@")) t = t.slice(1);
  if (t.startsWith("{") && t.endsWith("}")) t = t.slice(1, -1);
  const m = /^(?:(script|global|local|private|using):)?([A-Za-z_][A-Za-z0-9_]*)$/i.exec(t);
  if (!m || !m[2]) return null;
  return m[2].toLowerCase();
}

/** Strips surrounding quotes of a simple string token. */
export function unquote(text: string): string {
  const t = text.trim();
  if ((t.startsWith("'") && t.endsWith("'")) || (t.startsWith('"') && t.endsWith('"'))) return t.slice(1, -1);
  return t;
}

/** web-tree-sitter hands out a new wrapper object per access: compare by id, never with ===. */
export function sameNode(a: Node | null | undefined, b: Node | null | undefined): boolean {
  return !!a && !!b && a.id === b.id;
}
