import * as pulumi from "@pulumi/pulumi";
import type { RunAsAccount } from "./entra-connect";
import { RunStep } from "./run-step";
import type { WindowsVm } from "./windows-vm";
import type { EntraConnectConfigMode } from "../stacks/config/lab-config";
import { joinDns, type SyncScopeSpec } from "../stacks/model/sync-scope";

export interface SyncScopeArgs {
  /** Required. The Entra Connect server VM (SYNC01). */
  readonly vm: WindowsVm;
  /** Required. `scripted` writes the scope when it differs; `wizard` only verifies it. */
  readonly mode: EntraConnectConfigMode;
  /** Required. AD forest root DNS name: the AD connector's name. */
  readonly forestFqdn: string;
  /** Required. The expected scope, from `syncScopeSpec` (stacks/model/sync-scope.ts). */
  readonly scope: SyncScopeSpec;
  /** Required. The account the ADSync cmdlets run as (a member of ADSyncAdmins: the wizard's user). */
  readonly admin: RunAsAccount;
  /** Optional. More resources the first run command waits for (Entra Connect configured). */
  readonly after?: readonly pulumi.Resource[];
  /** Required. Tags (lab, stack, step, expiresOn). */
  readonly tags: Readonly<Record<string, string>>;
}

/** Bounds of the sync cycles, in minutes (a lab forest has a few dozen objects). */
export const FULL_SYNC_WAIT_MINUTES = 45;
export const DELTA_SYNC_WAIT_MINUTES = 20;

/**
 * OU filtering of Entra Connect: the AD connector's container inclusion list made exactly the
 * lab's sync OUs (nothing else, not the domain root) and read back, a full sync cycle run to the
 * end, then a delta cycle that later steps (device registration) can wait on. A scope that
 * differs fails the step, naming each OU and what breaks without it.
 */
export class SyncScope extends pulumi.ComponentResource {
  /** Done when the scope is exact and the scheduler enabled. */
  public readonly applied: pulumi.Resource;
  /** Done when the full (Initial) sync cycle after the scope change has completed. */
  public readonly fullSync: pulumi.Resource;
  /** Done when the delta sync cycle has completed; device registration waits for it. */
  public readonly deltaSync: pulumi.Resource;

  constructor(name: string, args: SyncScopeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:sync:SyncScope", name, {}, opts);
    const apply = new RunStep(
      `${name}-apply`,
      {
        vm: args.vm,
        script: "sync-scope-apply.ps1",
        parameters: {
          Mode: args.mode,
          ForestFqdn: args.forestFqdn,
          DomainDn: args.scope.domainDn,
          ExpectedOuDns: joinDns(args.scope.ouDns),
          WorkstationsOuDn: args.scope.workstationsOuDn,
          UsersOuDn: args.scope.usersOuDn,
        },
        runAs: args.admin,
        timeoutMinutes: 10,
        ...(args.after ? { after: args.after } : {}),
        tags: args.tags,
      },
      { parent: this },
    );
    const cycle = (role: string, policy: "Initial" | "Delta", waitMinutes: number, after: pulumi.Resource): RunStep =>
      new RunStep(
        `${name}-${role}`,
        {
          vm: args.vm,
          script: "entra-sync-cycle.ps1",
          parameters: { PolicyType: policy, ForestFqdn: args.forestFqdn, WaitMinutes: String(waitMinutes) },
          runAs: args.admin,
          timeoutMinutes: waitMinutes + 5,
          after: [after],
          tags: args.tags,
        },
        { parent: this },
      );
    const full = cycle("full-sync", "Initial", FULL_SYNC_WAIT_MINUTES, apply.command);
    const delta = cycle("delta-sync", "Delta", DELTA_SYNC_WAIT_MINUTES, full.command);
    this.applied = apply.command;
    this.fullSync = full.command;
    this.deltaSync = delta.command;
    this.registerOutputs({});
  }
}
