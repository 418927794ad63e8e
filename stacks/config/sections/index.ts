/**
 * Every top-level key under `cmg-lab:`, one module each, in documentation order (Pulumi.yaml,
 * the README table). Key names are a contract (../shared/ARCHITECTURE.md, "Config").
 */
import type { Field } from "../schema";
import { admin } from "./admin";
import { build } from "./build";
import { clients } from "./clients";
import { cmg } from "./cmg";
import { discovery } from "./discovery";
import { domain } from "./domain";
import { entra } from "./entra";
import { location } from "./location";
import { prefix } from "./prefix";
import { schedule } from "./schedule";
import { site } from "./site";
import { sync } from "./sync";
import { tenant } from "./tenant";

export const SECTIONS = { prefix, location, domain, tenant, site, discovery, sync, cmg, clients, admin, schedule, entra, build } as const satisfies Record<string, Field>;
export type ConfigKeyName = keyof typeof SECTIONS;

/** Top-level keys under the project namespace, in documentation order. */
export const CONFIG_KEYS = Object.keys(SECTIONS) as ConfigKeyName[];

/** The order the loader parses them in: a section's rules may read the ones before it (sync reads domain and clients, admin reads domain, entra reads schedule). */
export const PARSE_ORDER: readonly ConfigKeyName[] = ["prefix", "location", "domain", "tenant", "site", "discovery", "clients", "sync", "cmg", "admin", "schedule", "entra", "build"];
