/**
 * The lab's guardrails as Pulumi policies. The pack (./index.ts) serves them to the engine on
 * `pulumi preview --policy-pack` / `pulumi up --policy-pack`; this module only defines them, so
 * tests import it without starting the pack's gRPC server (constructing a `PolicyPack` does that).
 *
 * Only types come from `@pulumi/policy`, and no provider SDK is loaded: the policies match the
 * engine's type tokens, which keeps the pack's process small.
 *
 * Preview note: the engine hands a policy its props through a proxy that throws when an unknown
 * (not yet computed) value is read; a policy that throws that way is reported as "can't run during
 * preview" (advisory) instead of being evaluated. The stack policies below therefore avoid props
 * where the graph alone answers (the runbook order, which VM a schedule targets), and read the
 * rest through {@link known}.
 */
import type {
  PolicyConfigSchema,
  PolicyResource,
  ReportViolation,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidation,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { LAB_STEP_TYPE } from "../../components/lab-step";
import { isStepId, RUNBOOK, transitiveNeeds, type StepId } from "../model/runbook";
// One rule each, shared with the config loader and the run-command contract check.
import { isIsoDate } from "../config/config-util";
import { isSecretParameterName } from "../model/secret-names";

/** A resource policy with exactly one validation function (so tests can call it directly). */
export type LabResourcePolicy = ResourceValidationPolicy & { readonly validateResource: ResourceValidation };
/** A stack policy of this pack. */
export type LabStackPolicy = StackValidationPolicy & { readonly validateStack: StackValidation };

/** Engine type tokens the policies look at. */
export const TYPES = {
  nsg: "azure-native:network:NetworkSecurityGroup",
  securityRule: "azure-native:network:SecurityRule",
  vm: "azure-native:compute:VirtualMachine",
  shutdownSchedule: "azure-native:devtestlab:GlobalSchedule",
  runCommand: "azure-native:compute:VirtualMachineRunCommandByVirtualMachine",
  roleAssignment: "azure-native:authorization:RoleAssignment",
  appPassword: "azuread:index/applicationPassword:ApplicationPassword",
} as const;

// --- small readers over untyped props ------------------------------------------------------------

type Props = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is Props {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

/**
 * Reads a value that may be unknown during preview: `undefined` instead of the policy SDK's
 * UnknownValueError. That error class is not in the SDK's typings (`proxy.d.ts` is empty), so it
 * is recognised by its constructor name.
 */
export function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    if (e instanceof Error && e.constructor.name === "UnknownValueError") return undefined;
    throw e;
  }
}

// --- no-internet-admin-ports ---------------------------------------------------------------------

/** Remote-administration ports: SSH, RDP, WinRM over HTTP and HTTPS. */
export const ADMIN_PORTS: readonly number[] = [22, 3389, 5985, 5986];
/** A source prefix shorter than this many bits counts as "the internet". */
export const NARROWEST_OPEN_PREFIX = 16;

/** The admin ports a port expression (`3389`, `3000-4000`, `*`, comma lists) covers. */
export function adminPortsIn(expression: string): number[] {
  const hit = new Set<number>();
  for (const raw of expression.split(",")) {
    const part = raw.trim();
    if (part === "*" || part.toLowerCase() === "any") {
      ADMIN_PORTS.forEach((p) => hit.add(p));
      continue;
    }
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    const single = /^\d+$/.test(part) ? Number(part) : undefined;
    const [lo, hi] = range ? [Number(range[1]), Number(range[2])] : [single, single];
    if (lo === undefined || hi === undefined) continue;
    for (const p of ADMIN_PORTS) if (p >= lo && p <= hi) hit.add(p);
  }
  return [...hit].sort((a, b) => a - b);
}

/** Whether a source address prefix means "anyone on the internet". */
export function isInternetSource(prefix: string): boolean {
  const p = prefix.trim().toLowerCase();
  if (p === "*" || p === "internet" || p === "any") return true;
  const cidr = /^([0-9a-f:.]+)\/(\d{1,3})$/.exec(p);
  if (!cidr) return false; // a single address, or a service tag such as VirtualNetwork
  return Number(cidr[2]) < NARROWEST_OPEN_PREFIX;
}

/** Why one NSG rule opens an admin port to the internet, or undefined when it does not. */
export function openAdminRule(rule: Props): string | undefined {
  const access = str(rule.access)?.toLowerCase();
  const direction = str(rule.direction)?.toLowerCase();
  const protocol = (str(rule.protocol) ?? "*").toLowerCase();
  if (access !== "allow" || direction !== "inbound") return undefined;
  if (!["*", "tcp", "udp", "any"].includes(protocol)) return undefined; // ICMP, ESP, AH carry no ports
  const ports = [...strings(rule.destinationPortRange), ...strings(rule.destinationPortRanges)].flatMap(adminPortsIn);
  if (ports.length === 0) return undefined;
  const sources = [...strings(rule.sourceAddressPrefix), ...strings(rule.sourceAddressPrefixes)].filter(isInternetSource);
  if (sources.length === 0) return undefined;
  const name = str(rule.name) ?? str(rule.securityRuleName) ?? "(unnamed)";
  return (
    `rule '${name}' allows inbound port(s) ${[...new Set(ports)].join(", ")} from ${sources.map((s) => `'${s}'`).join(", ")}; ` +
    `use Bastion, or list a narrow admin CIDR (a /${NARROWEST_OPEN_PREFIX} or longer prefix) in cmg-lab:admin.allowedSourceCidrs`
  );
}

export const noInternetAdminPorts: LabResourcePolicy = {
  name: "no-internet-admin-ports",
  description: "No NSG rule allows SSH, RDP or WinRM (22, 3389, 5985, 5986) in from the internet.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: (args, reportViolation) => {
    const props = args.props as Props;
    if (args.type === TYPES.securityRule) {
      const why = openAdminRule(props);
      if (why) reportViolation(why);
    } else if (args.type === TYPES.nsg) {
      const rules = Array.isArray(props.securityRules) ? (props.securityRules as unknown[]) : [];
      for (const rule of rules) {
        const why = isRecord(rule) ? openAdminRule(rule) : undefined;
        if (why) reportViolation(why);
      }
    }
  },
};

// --- vm-expires-on-tag ---------------------------------------------------------------------------

export const vmExpiresOnTag: LabResourcePolicy = {
  name: "vm-expires-on-tag",
  description: "Every VM carries an expiresOn tag with an ISO date, so a forgotten lab can be found and removed.",
  enforcementLevel: "mandatory",
  severity: "medium",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.vm) return;
    const tags = (args.props as Props).tags;
    const value = isRecord(tags) ? tags.expiresOn : undefined;
    if (typeof value !== "string") {
      reportViolation("the VM has no 'expiresOn' tag; set cmg-lab:schedule.expiresOn (YYYY-MM-DD)");
    } else if (!isIsoDate(value)) {
      reportViolation(`the VM's 'expiresOn' tag '${value}' is not an ISO date (YYYY-MM-DD)`);
    }
  },
};

// --- run commands ------------------------------------------------------------------------------

export const runCommandSecretsProtected: LabResourcePolicy = {
  name: "run-command-secrets-protected",
  description: "Run commands pass secret-looking parameters only as protectedParameters (never logged by Azure).",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.runCommand) return;
    const parameters = (args.props as Props).parameters;
    const list = Array.isArray(parameters) ? (parameters as unknown[]) : [];
    for (const p of list) {
      const name = isRecord(p) ? str(p.name) : undefined;
      if (name && isSecretParameterName(name)) {
        reportViolation(`parameter '${name}' looks like a secret but is passed in 'parameters'; pass it in 'protectedParameters'`);
      }
    }
  },
};

export const runCommandFailsDeployment: LabResourcePolicy = {
  name: "run-command-fails-deployment",
  description: "Run commands set treatFailureAsDeploymentFailure: a failed script must fail `pulumi up`.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.runCommand) return;
    if ((args.props as Props).treatFailureAsDeploymentFailure !== true) {
      reportViolation("treatFailureAsDeploymentFailure is not true: a failed script would leave a half-built lab that looks deployed");
    }
  },
};

/** The longest timeout a run command may have (components/run-step.ts MAX_RUN_COMMAND_MINUTES). */
export const MAX_RUN_COMMAND_SECONDS = 80 * 60;

export const runCommandWithinExtensionTimeout: LabResourcePolicy = {
  name: "run-command-within-extension-timeout",
  description:
    "Run commands are synchronous and time out within 80 minutes: Azure gives a VM extension 90 minutes to provision, so a longer synchronous run would fail while its script still runs; longer work runs in rounds.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.runCommand) return;
    const props = args.props as Props;
    if (props.asyncExecution === true) {
      reportViolation("asyncExecution is true: pulumi up would go on before the script ends, so nothing waits for it and its failure is never seen");
    }
    const timeout = props.timeoutInSeconds;
    if (typeof timeout !== "number" || timeout <= 0 || timeout > MAX_RUN_COMMAND_SECONDS) {
      reportViolation(`timeoutInSeconds is ${String(timeout)}: give a run command 1-${MAX_RUN_COMMAND_SECONDS} seconds and split longer work into rounds (components/run-step.ts)`);
    }
  },
};

// --- role assignment scope -----------------------------------------------------------------------

/** Subscription scope, and the broader root and management-group scopes. */
const TOO_BROAD_SCOPES = [/^\/subscriptions\/[^/]+\/?$/i, /^\/?$/, /^\/providers\/microsoft\.management\/managementgroups\/[^/]+\/?$/i];

export const roleAssignmentNotSubscriptionScope: LabResourcePolicy = {
  name: "role-assignment-not-subscription-scope",
  description: "The server app's role assignment is scoped to the CMG resource group, not the whole subscription.",
  enforcementLevel: "advisory",
  severity: "medium",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.roleAssignment) return;
    const scope = str((args.props as Props).scope);
    if (scope !== undefined && TOO_BROAD_SCOPES.some((re) => re.test(scope))) {
      reportViolation(`role assignment at scope '${scope}': ConfigMgr needs its role on the CMG resource group only`);
    }
  },
};

// --- entra-secret-lifetime -------------------------------------------------------------------------

export const DEFAULT_MAX_SECRET_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Config of the secret-lifetime policy (`--policy-pack-config`, or the policy group's config). */
export interface SecretLifetimeConfig {
  /** Longest allowed lifetime of an Entra application secret, in days. Default 90. */
  readonly maxSecretDays?: number;
}

export const secretLifetimeSchema: PolicyConfigSchema = {
  properties: {
    maxSecretDays: {
      type: "integer",
      minimum: 1,
      maximum: 730,
      default: DEFAULT_MAX_SECRET_DAYS,
      description: "Longest allowed lifetime of an Entra application secret (client secret), in days from now.",
    },
  },
};

/** Milliseconds of a Go-style duration (`2160h`, `720h30m`), as azuread's endDateRelative takes it. */
function durationMs(value: string): number | undefined {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== value) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * (units[p[2] ?? ""] ?? 0), 0);
}

/**
 * The client-secret lifetime policy. The limit is "now + maxSecretDays" at evaluation time: a
 * policy runs at `pulumi preview`/`up`, so "now" is the deployment's now; the same endDate can pass
 * today and fail in a month, which is the point. `clock` is for tests.
 */
export function entraSecretLifetime(clock: () => Date = () => new Date()): LabResourcePolicy {
  return {
    name: "entra-secret-lifetime",
    description: "Entra application client secrets expire within the configured lifetime (maxSecretDays, default 90).",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: secretLifetimeSchema,
    validateResource: (args, reportViolation) => {
      if (args.type !== TYPES.appPassword) return;
      const configured = args.getConfig<SecretLifetimeConfig>().maxSecretDays;
      const maxDays = typeof configured === "number" && configured > 0 ? configured : DEFAULT_MAX_SECRET_DAYS;
      const now = clock().getTime();
      const limit = now + maxDays * DAY_MS;
      const props = args.props as Props;
      const endDate = str(props.endDate);
      const relative = str(props.endDateRelative);
      let end: number | undefined;
      if (endDate !== undefined) {
        end = Date.parse(endDate);
        if (Number.isNaN(end)) {
          reportViolation(`endDate '${endDate}' is not a date (RFC 3339, e.g. 2026-03-31T00:00:00Z)`);
          return;
        }
      } else if (relative !== undefined) {
        const ms = durationMs(relative);
        if (ms === undefined) {
          reportViolation(`endDateRelative '${relative}' is not a duration such as '2160h'`);
          return;
        }
        end = now + ms;
      } else {
        reportViolation(`the client secret has no endDate, so Entra ID gives it the default 2-year lifetime; set one within ${maxDays} days`);
        return;
      }
      if (end > limit) {
        const days = Math.ceil((end - now) / DAY_MS);
        reportViolation(
          `the client secret expires in ${days} days (${new Date(end).toISOString()}); the limit is ${maxDays} days (${new Date(limit).toISOString()})`,
        );
      }
    },
  };
}

export const entraSecretLifetimePolicy: LabResourcePolicy = entraSecretLifetime();

// --- vm-auto-shutdown (stack) --------------------------------------------------------------------

/** The VMs a shutdown schedule targets, resolved through the graph where the id is not known yet. */
function scheduleTargets(schedule: PolicyResource, vms: readonly PolicyResource[]): PolicyResource[] {
  // The engine records which resources flowed into `targetResourceId`: known in a first preview,
  // when the VM's id itself is still unknown.
  const viaProperty = schedule.propertyDependencies?.targetResourceId;
  if (viaProperty && viaProperty.length > 0) return vms.filter((vm) => viaProperty.some((d) => d.urn === vm.urn));
  const target = known(() => str(schedule.props.targetResourceId));
  if (target === undefined) return vms.filter((vm) => schedule.dependencies.some((d) => d.urn === vm.urn));
  const t = target.toLowerCase().replace(/\/$/, "");
  return vms.filter((vm) => {
    const id = known(() => str(vm.props.id));
    const name = known(() => str(vm.props.name) ?? str(vm.props.vmName));
    return (id !== undefined && id.toLowerCase() === t) || (name !== undefined && t.endsWith(`/virtualmachines/${name.toLowerCase()}`));
  });
}

export const vmAutoShutdown: LabStackPolicy = {
  name: "vm-auto-shutdown",
  description: "Every VM has an enabled nightly auto-shutdown (a devtestlab GlobalSchedule of type ComputeVmShutdownTask targeting it).",
  enforcementLevel: "mandatory",
  severity: "medium",
  validateStack: (args, reportViolation) => {
    const vms = args.resources.filter((r) => r.type === TYPES.vm);
    const covered = new Set<string>();
    for (const s of args.resources) {
      if (s.type !== TYPES.shutdownSchedule) continue;
      const taskType = known(() => str(s.props.taskType));
      const status = known(() => str(s.props.status));
      if (taskType !== undefined && taskType !== "ComputeVmShutdownTask") continue;
      if (status !== undefined && status.toLowerCase() === "disabled") continue;
      for (const vm of scheduleTargets(s, vms)) covered.add(vm.urn);
    }
    for (const vm of vms) {
      if (!covered.has(vm.urn)) {
        reportViolation(`VM '${vm.name}' has no enabled auto-shutdown schedule; set cmg-lab:schedule.autoShutdown (HH:MM)`, vm.urn);
      }
    }
  },
};

// --- runbook-order (stack) -----------------------------------------------------------------------

/** Component types of this project (never custom resources, even when empty). */
function isOwnComponentType(type: string): boolean {
  return type.startsWith("cmg-lab:") || type === "pulumi:pulumi:Stack";
}

/** One (step, needed step) pair whose order the graph does not guarantee. */
export interface MissingWait {
  readonly step: StepId;
  readonly needs: StepId;
  /** A resource of `step` that does not wait for `example.waitsFor`. */
  readonly urn: string;
  readonly missing: string;
}

/**
 * The (step, needed step) pairs where some custom resource of the step does not wait, directly
 * or through other resources, for every custom resource of the needed step. Needs come from the
 * runbook table, transitively.
 *
 * "Waits" means: the resource's own registration depends on it, directly or through other
 * resources' registrations. Ancestors' dependencies are deliberately not inherited: `dependsOn`
 * on a component does not reliably hold back its children, which is why LabStep puts the wait on
 * every descendant (components/lab-step.ts); this check verifies that it arrived there. (The
 * offline plan's `effectiveDependencies` does count ancestors, for the timeline's estimate.)
 * A dependency on a component stands for its custom descendants: the Node SDK already expands
 * components when it registers a resource, other SDKs and engine versions may not, so both forms
 * are handled. A resource counts as custom when the engine reports a provider for it, or, failing
 * that, when it has no children and is not one of this project's component types.
 */
export function findMissingWaits(resources: readonly PolicyResource[]): MissingWait[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const children = new Map<string, PolicyResource[]>();
  for (const r of resources) {
    if (r.parent) {
      const list = children.get(r.parent.urn) ?? [];
      list.push(r);
      children.set(r.parent.urn, list);
    }
  }
  const isCustom = (r: PolicyResource): boolean =>
    r.provider !== undefined || ((children.get(r.urn)?.length ?? 0) === 0 && !isOwnComponentType(r.type));
  const parentOf = (r: PolicyResource): PolicyResource | undefined => r.parent ?? undefined;

  const customDescendants = (r: PolicyResource, seen = new Set<string>()): string[] => {
    if (seen.has(r.urn)) return [];
    seen.add(r.urn);
    if (isCustom(r)) return [r.urn];
    return (children.get(r.urn) ?? []).flatMap((c) => customDescendants(c, seen));
  };

  const direct = new Map<string, Set<string>>();
  for (const r of resources) {
    const deps = new Set<string>();
    for (const d of r.dependencies) for (const c of customDescendants(byUrn.get(d.urn) ?? d)) deps.add(c);
    deps.delete(r.urn);
    direct.set(r.urn, deps);
  }

  const closure = new Map<string, Set<string>>();
  const waitsFor = (urn: string): Set<string> => {
    const done = closure.get(urn);
    if (done) return done;
    const acc = new Set<string>();
    closure.set(urn, acc); // set before recursing: a cycle ends here instead of looping
    for (const d of direct.get(urn) ?? []) {
      acc.add(d);
      for (const x of waitsFor(d)) acc.add(x);
    }
    return acc;
  };

  const stepOf = (r: PolicyResource): StepId | undefined => {
    for (let cur: PolicyResource | undefined = r; cur; cur = parentOf(cur)) {
      if (cur.type === LAB_STEP_TYPE && isStepId(cur.name)) return cur.name;
    }
    return undefined;
  };
  const customsByStep = new Map<StepId, PolicyResource[]>();
  for (const r of resources) {
    const step = stepOf(r);
    if (step === undefined || !isCustom(r)) continue;
    const list = customsByStep.get(step) ?? [];
    list.push(r);
    customsByStep.set(step, list);
  }

  const missing: MissingWait[] = [];
  for (const def of RUNBOOK) {
    const own = customsByStep.get(def.id) ?? [];
    if (own.length === 0) continue;
    for (const need of transitiveNeeds(def.id)) {
      const required = customsByStep.get(need) ?? [];
      let found: MissingWait | undefined;
      for (const r of own) {
        const waits = waitsFor(r.urn);
        const q = required.find((x) => !waits.has(x.urn));
        if (q) {
          found = { step: def.id, needs: need, urn: r.urn, missing: q.urn };
          break;
        }
      }
      if (found) missing.push(found);
    }
  }
  return missing;
}

export const runbookOrder: LabStackPolicy = {
  name: "runbook-order",
  description: "Every runbook step's resources wait for all resources of the steps it needs (stacks/model/runbook.ts).",
  enforcementLevel: "mandatory",
  severity: "high",
  validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
    for (const m of findMissingWaits(args.resources)) {
      reportViolation(
        `runbook step '${m.step}' does not wait for '${m.needs}', which it needs: ${m.urn} is not ordered after ${m.missing}`,
        m.urn,
      );
    }
  },
};

/** Every policy of the pack, in the order the engine reports them. */
export const POLICIES: readonly (LabResourcePolicy | LabStackPolicy)[] = [
  noInternetAdminPorts,
  vmExpiresOnTag,
  runCommandSecretsProtected,
  runCommandFailsDeployment,
  runCommandWithinExtensionTimeout,
  roleAssignmentNotSubscriptionScope,
  entraSecretLifetimePolicy,
  vmAutoShutdown,
  runbookOrder,
];

/** For callers that validate by hand (tests, offline checks). */
export type { ResourceValidationArgs, StackValidationArgs };
