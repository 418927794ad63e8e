/**
 * The policies' argument objects built by hand, as the policy SDK's typings describe them: for
 * running the pack's policies outside the engine (tests, and checks over the offline plan's
 * recorded graph). No engine, no gRPC server.
 */
import type {
  PolicyResource,
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidationArgs,
  StackValidationArgs,
} from "@pulumi/policy";

/** A resource of a graph, referring to others by URN (the offline plan's shape). */
export interface GraphResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** Parent URN. */
  readonly parent?: string | undefined;
  /** URNs this resource's registration depends on. */
  readonly dependencies: readonly string[];
  /** URNs per input property, where known. */
  readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
  readonly props: Record<string, unknown>;
  /**
   * Whether it is a custom resource. The engine reports a provider for every custom resource;
   * true gives the resource a default provider, false or absent gives none.
   */
  readonly custom?: boolean;
}

/** A reported violation. */
export interface Violation {
  readonly message: string;
  readonly urn: string | undefined;
}

/** A reportViolation function that records into `violations`. */
export function recorder(): { readonly report: ReportViolation; readonly violations: Violation[] } {
  const violations: Violation[] = [];
  return { report: (message, urn) => violations.push({ message, urn }), violations };
}

function typeToken(resourceClass: unknown): string | undefined {
  if (typeof resourceClass !== "function") return undefined;
  const token: unknown = (resourceClass as unknown as { __pulumiType?: unknown }).__pulumiType;
  return typeof token === "string" ? token : undefined;
}

const noOptions = (parent?: string): PolicyResourceOptions => ({
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
  ...(parent !== undefined ? { parent } : {}),
});

const notOffline = (): never => {
  throw new Error("asType is not available offline; the cmg-lab policies read props by type token");
};

const notApplicable = (reason?: string): never => {
  throw new Error(`policy not applicable${reason ? `: ${reason}` : ""}`);
};

function urnFor(type: string, name: string): string {
  return `urn:pulumi:dev::cmg-lab::${type}::${name}`;
}

/** The argument object of a resource validation. */
export function resourceArgs(
  resource: { readonly type: string; readonly name?: string; readonly urn?: string; readonly props: Record<string, unknown> },
  config: Record<string, unknown> = {},
): ResourceValidationArgs {
  const name = resource.name ?? "test";
  return {
    type: resource.type,
    props: resource.props,
    urn: resource.urn ?? urnFor(resource.type, name),
    name,
    opts: noOptions(),
    stackTags: new Map(),
    isType: (resourceClass: unknown) => typeToken(resourceClass) === resource.type,
    asType: notOffline,
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
}

/**
 * Policy resources with parent and dependencies linked as the engine links them: references to
 * resources outside the list are dropped.
 */
export function toPolicyResources(graph: readonly GraphResource[]): PolicyResource[] {
  const made = graph.map((g) => {
    const pkg = g.type.split(":")[0] ?? "unknown";
    const resource: PolicyResource = {
      type: g.type,
      props: g.props,
      urn: g.urn,
      name: g.name,
      opts: noOptions(g.parent),
      dependencies: [],
      propertyDependencies: {},
      isType: (resourceClass: unknown) => typeToken(resourceClass) === g.type,
      asType: notOffline,
      ...(g.custom
        ? { provider: { type: `pulumi:providers:${pkg}`, props: {}, urn: urnFor(`pulumi:providers:${pkg}`, "default"), name: "default" } }
        : {}),
    };
    return resource;
  });
  const byUrn = new Map(made.map((r) => [r.urn, r]));
  const resolve = (urns: readonly string[]): PolicyResource[] =>
    urns.map((u) => byUrn.get(u)).filter((r): r is PolicyResource => r !== undefined);
  graph.forEach((g, i) => {
    const r = made[i] as PolicyResource;
    const parent = g.parent !== undefined ? byUrn.get(g.parent) : undefined;
    if (parent) r.parent = parent;
    r.dependencies = resolve(g.dependencies);
    for (const [key, urns] of Object.entries(g.propertyDependencies ?? {})) r.propertyDependencies[key] = resolve(urns);
  });
  return made;
}

/** The argument object of a stack validation. */
export function stackArgs(resources: PolicyResource[], config: Record<string, unknown> = {}): StackValidationArgs {
  return {
    resources,
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
}
