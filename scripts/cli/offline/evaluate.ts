/**
 * Runs the real program under Pulumi's mock runtime and records the resource graph exactly as the
 * engine would receive it: type, name, parent, the dependency URNs of each registration (explicit
 * `dependsOn` expanded through components by the SDK, plus data dependencies), and the inputs with
 * secrets marked. Used by the offline plan and by the tests.
 *
 * `MockResourceArgs` carries neither parent nor dependencies, so the recorder wraps the mock
 * monitor's `registerResource`. That object is internal to the SDK; this file is the only place
 * that touches it, and test/offline-evaluate.test.ts is its smoke test.
 */
import * as pulumi from "@pulumi/pulumi";
import type { LabConfig } from "../../../stacks/config/lab-config";
import { buildLab, type LabOutputs } from "../../../stacks/program";
import { isStepId, type StepId } from "../../../stacks/model/runbook";
import { LAB_STEP_TYPE } from "../../../components/lab-step";
import { labMocks, type InvokeTable } from "./mocks";
import { isSecretEnvelope, RESOURCE_REF_SIG, SIG_KEY } from "./wire";

/** Printed in place of every secret value. */
export const SECRET_TEXT = "[secret]";


export interface RecordedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** Parent URN; undefined only for the stack itself. */
  readonly parent: string | undefined;
  readonly custom: boolean;
  /** URNs this resource's registration waits for (components already expanded by the SDK). */
  readonly dependencies: readonly string[];
  /** Inputs with every secret value replaced by {@link SECRET_TEXT}. Safe to print. */
  readonly inputs: Record<string, unknown>;
  /** Inputs with secrets unwrapped. For assertions only; never print. */
  readonly plainInputs: Record<string, unknown>;
  /** Dotted paths of the inputs that are secrets, e.g. `osProfile.adminPassword`. */
  readonly secretPaths: readonly string[];
  /** The resource's name in Azure (or Entra ID), when it has one distinct from the logical name. */
  readonly azureName: string | undefined;
  /** The runbook step the resource belongs to (its nearest step ancestor), if any. */
  readonly step: StepId | undefined;
  /** Registration order, for stable output. */
  readonly seq: number;
  /**
   * The former identities the engine would match this resource by (aliases): an alias URN, or a
   * spec as text, `parent=<urn>` for a move under another parent (the only kind the lab writes;
   * providers add type aliases, rendered with their name and type).
   */
  readonly aliases: readonly string[];
  /** The lifecycle options the engine would apply (what the mocks otherwise ignore). */
  readonly options: {
    readonly deleteBeforeReplace: boolean;
    readonly replaceOnChanges: readonly string[];
    readonly ignoreChanges: readonly string[];
    /** URN of the resource whose deletion deletes this one, or undefined. */
    readonly deletedWith: string | undefined;
  };
}

export interface Evaluation {
  readonly resources: readonly RecordedResource[];
  /** `urn: path` of every secret a component registered among its outputs (outputs should hold none). */
  readonly componentSecretOutputs: readonly string[];
  /** Stack outputs; secret outputs are replaced by {@link SECRET_TEXT}. */
  readonly outputs: Record<string, unknown>;
}

interface Unwrapped {
  redacted: unknown;
  plain: unknown;
}

/** Splits a wire value into a printable form (secrets redacted) and a plain form, collecting secret paths. */
function unwrap(value: unknown, path: string, secretPaths: string[]): Unwrapped {
  if (Array.isArray(value)) {
    const parts = value.map((v, i) => unwrap(v, `${path}[${i}]`, secretPaths));
    return { redacted: parts.map((p) => p.redacted), plain: parts.map((p) => p.plain) };
  }
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (isSecretEnvelope(obj)) {
      secretPaths.push(path);
      const inner = unwrap(obj.value, path, []);
      return { redacted: SECRET_TEXT, plain: inner.plain };
    }
    if (obj[SIG_KEY] === RESOURCE_REF_SIG) {
      const ref = obj.id ?? obj.urn;
      return { redacted: ref, plain: ref };
    }
    const redacted: Record<string, unknown> = {};
    const plain: Record<string, unknown> = {};
    for (const key of Object.keys(obj)) {
      const part = unwrap(obj[key], path ? `${path}.${key}` : key, secretPaths);
      redacted[key] = part.redacted;
      plain[key] = part.plain;
    }
    return { redacted, plain };
  }
  return { redacted: value, plain: value };
}

/** An alias spec as text: `parent=<urn>` for a move (what the lab writes), fields named otherwise. */
function aliasText(spec: { getName(): string; getType(): string; getParenturn(): string } | undefined): string {
  if (!spec) return "";
  const moved = `parent=${spec.getParenturn()}`;
  return spec.getName() || spec.getType() ? `name=${spec.getName()} type=${spec.getType()} ${moved}` : moved;
}

/** The minimal shape of the SDK's RegisterResourceRequest that the recorder reads. */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getDependenciesList(): string[];
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
  getDeletebeforereplace(): boolean;
  getReplaceonchangesList(): string[];
  getIgnorechangesList(): string[];
  getDeletedwith(): string;
  getAliasesList(): { getUrn(): string; getSpec(): { getName(): string; getType(): string; getParenturn(): string } | undefined }[];
}
interface RegisterResponse {
  getUrn(): string;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}
type Callback = (err: unknown, resp: RegisterResponse | undefined) => void;
interface OutputsRequest {
  getUrn(): string;
  getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined;
}
interface MonitorLike {
  registerResource(req: RegisterRequest, cb: Callback): void;
  registerResourceOutputs(req: OutputsRequest, cb: (err: unknown, resp: unknown) => void): void;
  newUrn(parent: string, type: string, name: string): string;
}

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * URNs as the engine forms them: the type part is the parent's whole qualified type chain plus
 * the resource's own type (the mock monitor keeps only the parent's last type).
 */
function engineUrn(stack: string, project: string, parent: string, type: string, name: string): string {
  let qualified = type;
  if (parent) {
    const parentType = parent.split("::")[2] ?? "";
    if (parentType !== ROOT_STACK_TYPE) qualified = `${parentType}$${type}`;
  }
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

async function resolveOutputs(outputs: LabOutputs): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  const one = async (value: unknown): Promise<unknown> => {
    if (pulumi.Output.isInstance(value)) {
      const o = value as pulumi.Output<unknown>;
      const secret = await (o as unknown as { isSecret: Promise<boolean> }).isSecret;
      if (secret) return SECRET_TEXT;
      return new Promise((resolve) => o.apply((v) => resolve(v)));
    }
    if (Array.isArray(value)) return Promise.all(value.map(one));
    if (value !== null && typeof value === "object") {
      const nested: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) nested[k] = await one(v);
      return nested;
    }
    return value;
  };
  for (const [key, value] of Object.entries(outputs)) {
    if (value !== undefined) result[key] = await one(value);
  }
  return result;
}

/**
 * Registrations continue after a program returns: waits until none has been in flight for a few
 * event-loop turns (a finished registration can start a dependent one). Bounded.
 */
export async function settleRegistrations(inFlight: () => number): Promise<void> {
  for (let quiet = 0, turns = 0; quiet < 5; turns++) {
    if (turns > 100_000) throw new Error("offline evaluation: resource registrations never settled");
    await new Promise((r) => setImmediate(r));
    quiet = inFlight() === 0 ? quiet + 1 : 0;
  }
}

export interface EvaluateOptions {
  /** Project name used in URNs. Default `cmg-lab`. */
  readonly project?: string;
  /** Extra invoke answers (tests). */
  readonly invokes?: InvokeTable;
  /** Replaces `buildLab` (tests of the recorder itself). */
  readonly program?: () => Record<string, unknown>;
}

/**
 * Evaluates the lab program for `config` under mocks. Pulumi's runtime is process-global: run one
 * evaluation at a time (each call resets the mocks).
 */
export async function evaluateLab(config: LabConfig, options: EvaluateOptions = {}): Promise<Evaluation> {
  const project = options.project ?? "cmg-lab";
  await pulumi.runtime.setMocks(labMocks(options.invokes), project, config.stack, false);
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const original = monitor.registerResource.bind(monitor);
  const originalOutputs = monitor.registerResourceOutputs.bind(monitor);
  const componentSecretOutputs: string[] = [];
  monitor.registerResourceOutputs = (req, cb) => {
    const secretPaths: string[] = [];
    unwrap(req.getOutputs()?.toJavaScript() ?? {}, "", secretPaths);
    for (const p of secretPaths) componentSecretOutputs.push(`${req.getUrn()}: ${p}`);
    originalOutputs(req, cb);
  };
  monitor.newUrn = (parent, type, name) => engineUrn(config.stack, project, parent, type, name);

  const records: RecordedResource[] = [];
  let inFlight = 0;
  let seq = 0;
  monitor.registerResource = (req: RegisterRequest, cb: Callback): void => {
    inFlight++;
    const order = seq++;
    original(req, (err, resp) => {
      inFlight--;
      if (!err && resp) {
        const secretPaths: string[] = [];
        const raw = req.getObject()?.toJavaScript() ?? {};
        const parts = unwrap(raw, "", secretPaths);
        const stateName = resp.getObject()?.toJavaScript().name;
        records.push({
          urn: resp.getUrn(),
          type: req.getType(),
          name: req.getName(),
          parent: req.getParent() || undefined,
          custom: req.getCustom(),
          dependencies: [...new Set(req.getDependenciesList())].sort(),
          inputs: parts.redacted as Record<string, unknown>,
          plainInputs: parts.plain as Record<string, unknown>,
          secretPaths: secretPaths.sort(),
          azureName: req.getCustom() && typeof stateName === "string" ? stateName : undefined,
          step: undefined,
          seq: order,
          aliases: req.getAliasesList().map((a) => a.getUrn() || aliasText(a.getSpec())),
          options: {
            deleteBeforeReplace: req.getDeletebeforereplace(),
            replaceOnChanges: req.getReplaceonchangesList(),
            ignoreChanges: req.getIgnorechangesList(),
            deletedWith: req.getDeletedwith() || undefined,
          },
        });
      }
      cb(err, resp);
    });
  };

  let outputs: Record<string, unknown> = {};
  // The SDK captures a stack trace for every promise it makes (runtime/debuggable.js, for its
  // leak report), and tsx's source maps make each capture costly: over a third of a 25-client
  // plan's CPU time (measured with --cpu-prof). Nothing reads those traces offline, so capture
  // none while the program runs; CMG_LAB_PLAN_STACKS=1 keeps them for debugging the program.
  const stackLimit = Error.stackTraceLimit;
  if (!process.env.CMG_LAB_PLAN_STACKS) Error.stackTraceLimit = 0;
  try {
    await pulumi.runtime.runInPulumiStack(async () => {
      if (options.program) return options.program();
      const built = buildLab(config);
      outputs = await resolveOutputs(built.outputs);
      return {};
    });
    await settleRegistrations(() => inFlight);
  } finally {
    Error.stackTraceLimit = stackLimit;
    monitor.registerResource = original;
    monitor.registerResourceOutputs = originalOutputs;
  }

  const byUrn = new Map(records.map((r) => [r.urn, r]));
  const stepOf = (r: RecordedResource): StepId | undefined => {
    for (let cur: RecordedResource | undefined = r; cur; cur = cur.parent ? byUrn.get(cur.parent) : undefined) {
      if (cur.type === LAB_STEP_TYPE && isStepId(cur.name)) return cur.name;
    }
    return undefined;
  };
  const resources = records
    .map((r) => ({ ...r, step: stepOf(r) }))
    .sort((a, b) => a.seq - b.seq);
  return { resources, outputs, componentSecretOutputs: componentSecretOutputs.sort() };
}
