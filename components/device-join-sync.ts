import * as pulumi from "@pulumi/pulumi";
import { RunStep } from "./run-step";
import type { WindowsVm } from "./windows-vm";

export interface DeviceJoinSyncArgs {
  /** Required. The domain-joined clients that are to hybrid join. */
  readonly clients: readonly WindowsVm[];
  /** Required. The Entra Connect server (SYNC01) that runs the delta sync. */
  readonly syncServer: WindowsVm;
  /** Required. The forest (the AD connector's name). */
  readonly forestFqdn: string;
  /** Required. The account the ADSync cmdlets run as (member of ADSyncAdmins); password secret. */
  readonly runAs: { readonly user: pulumi.Input<string>; readonly password: pulumi.Input<string> };
  /** Required. Tags (lab, stack, step, expiresOn). */
  readonly tags: Readonly<Record<string, string>>;
}

/** Minutes each client may take to write its device certificate to AD. */
export const DEVICE_CERTIFICATE_WAIT_MINUTES = 20;
/** Minutes the delta sync may take. */
export const DEVICE_SYNC_WAIT_MINUTES = 20;

/**
 * The hand-off between a client's device registration and Entra Connect: each client first
 * writes its device certificate to its computer object (`device-join-trigger.ps1`), then one delta
 * sync on the Entra Connect server carries those objects to Entra ID. Without it the sync-scope
 * step's sync can run before the certificates exist and the join waits for the next 30-minute
 * cycle. The clients' hybrid-join waits go after {@link DeviceJoinSync.synced}.
 */
export class DeviceJoinSync extends pulumi.ComponentResource {
  /** Done when the delta sync after every client's certificate has finished. */
  public readonly synced: pulumi.Resource;

  constructor(name: string, args: DeviceJoinSyncArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:sync:DeviceJoinSync", name, {}, opts);
    const triggers = args.clients.map(
      (client) =>
        new RunStep(
          `${client.computerName.toLowerCase()}-device-join-trigger`,
          {
            vm: client,
            script: "device-join-trigger.ps1",
            parameters: { WaitMinutes: String(DEVICE_CERTIFICATE_WAIT_MINUTES) },
            timeoutMinutes: DEVICE_CERTIFICATE_WAIT_MINUTES + 5,
            tags: args.tags,
          },
          { parent: this },
        ),
    );
    const sync = new RunStep(
      `${name}-delta-sync`,
      {
        vm: args.syncServer,
        script: "entra-sync-cycle.ps1",
        parameters: { PolicyType: "Delta", ForestFqdn: args.forestFqdn, WaitMinutes: String(DEVICE_SYNC_WAIT_MINUTES) },
        runAs: args.runAs,
        timeoutMinutes: DEVICE_SYNC_WAIT_MINUTES + 5,
        after: triggers.map((t) => t.command),
        tags: args.tags,
      },
      { parent: this },
    );
    this.synced = sync.command;
    this.registerOutputs({});
  }
}
