/**
 * The typed lab configuration: what `stacks/config/config.ts` produces from `cmg-lab:*` stack config
 * after every rule has passed, derived from the section schemas (stacks/config/sections/*.ts), so
 * the shape is written once. Components receive parts of it; none of them reads Pulumi config.
 *
 * Key names under `cmg-lab:` are a contract (../shared/ARCHITECTURE.md, "Config").
 * Every object is frozen by the loader.
 */
import type * as pulumi from "@pulumi/pulumi";

import type { z } from "zod";
import type { Field } from "./schema";
import type { admin } from "./sections/admin";
import type { build } from "./sections/build";
import type { clients } from "./sections/clients";
import type { cmg } from "./sections/cmg";
import type { discovery } from "./sections/discovery";
import type { domain } from "./sections/domain";
import type { entra } from "./sections/entra";
import type { schedule } from "./sections/schedule";
import type { site } from "./sections/site";
import type { sync } from "./sections/sync";
import type { tenant } from "./sections/tenant";

export type { ClientOs, ClientNetwork } from "./sections/clients";
export type { BastionMode } from "./sections/admin";
export type { EntraConnectConfigMode, SyncMsiSource } from "./sections/sync";
export type { SqlEdition } from "./sections/site";
export type { CmgCertificateConfig } from "./sections/cmg";
export type { CmgRole } from "./sections/entra";

/** Read-only all the way down, except Pulumi's Outputs and promises (opaque handles). */
export type DeepReadonly<T> = T extends pulumi.Output<unknown> | Promise<unknown>
  ? T
  : T extends readonly (infer U)[]
    ? readonly DeepReadonly<U>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** What a section's schema gives once every rule has passed. */
type Parsed<F extends Field> = DeepReadonly<z.output<ReturnType<F["schema"]>>>;

/** The AD forest (`cmg-lab:domain`); the OU roles are spelt as in `ous`. */
export type DomainConfig = Parsed<typeof domain>;
export type TenantConfig = Parsed<typeof tenant>;
/** The primary site (`cmg-lab:site`), media URLs resolved (defaults in stacks/model/site.ts). */
export type SiteConfig = Parsed<typeof site>;
export type SiteMediaConfig = SiteConfig["media"];
export type DiscoveryConfig = Parsed<typeof discovery>;
/** Entra Connect Sync (`cmg-lab:sync`), its MSI resolved to one source. */
export type SyncConfig = Parsed<typeof sync>;
export type CmgConfig = Parsed<typeof cmg>;
export type ClientConfig = Parsed<typeof clients>[number];
export type AdminConfig = Parsed<typeof admin>;
export type EntraConfig = Parsed<typeof entra>;
export type ScheduleConfig = Parsed<typeof schedule>;
export type BuildConfig = Parsed<typeof build>;

export interface LabConfig {
  /** Pulumi stack name (not a config key). */
  readonly stack: string;
  /** 3-8 lowercase letters or digits; prefixes every name. */
  readonly prefix: string;
  /** Azure region of every lab resource (default westeurope). */
  readonly location: string;
  readonly domain: DomainConfig;
  readonly tenant: TenantConfig;
  readonly site: SiteConfig;
  readonly discovery: DiscoveryConfig;
  readonly sync: SyncConfig;
  readonly cmg: CmgConfig;
  readonly clients: readonly ClientConfig[];
  readonly admin: AdminConfig;
  readonly schedule: ScheduleConfig;
  /** Entra ID apps' secret lifetime and the CMG's Azure role. */
  readonly entra: EntraConfig;
  /** How the build runs (in-guest steps side by side or one after another). */
  readonly build: BuildConfig;
}

/** One problem found in the stack config. */
export interface ConfigIssue {
  /** Full key, e.g. `cmg-lab:sync.ous`. */
  readonly key: string;
  /** The offending value, rendered for a human (secrets never rendered). */
  readonly value: string;
  /** What is wrong. */
  readonly problem: string;
  /** What to change. */
  readonly fix: string;
  /** `error` refuses the config; `warning` is printed by the plan and logged by the program. */
  readonly severity: "error" | "warning";
}
