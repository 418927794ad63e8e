import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/azure-native/compute";
import { VERIFY_CHECKS, verifyReportCommand, type VerifyCheck } from "../stacks/model/cmg";
import { RunStep } from "./run-step";
import type { WindowsVm } from "./windows-vm";

export const VERIFY_WAIT_MINUTES = 30;

export interface LabVerifyArgs {
  readonly siteServer: WindowsVm;
  readonly siteCode: pulumi.Input<string>;
  readonly siteServerFqdn: pulumi.Input<string>;
  readonly cmgFqdn: pulumi.Input<string>;
  /** Required. The lab's Entra tenant id: each client must have joined this tenant. */
  readonly tenantId: pulumi.Input<string>;
  /** Required. Client VMs to check. */
  readonly clients: readonly WindowsVm[];
  /** Optional. Computer names of intranet-side clients (not required to go through the CMG). Default none. */
  readonly intranetClients?: readonly string[];
  /** Required. Lab resource group (for the report commands). */
  readonly resourceGroupName: pulumi.Input<string>;
  readonly runAs: { readonly user: pulumi.Input<string>; readonly password: pulumi.Input<string> };
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * End-to-end checks, each a run command that fails the deployment with a readable report (its
 * FAIL lines carry the log evidence that `npm run diagnose` maps to the missed step). They run
 * side by side: on the site server in two lanes (WindowsVm.sequence), on each client its own.
 * The reports of a green run are read back from the run commands' instance view into `report`;
 * the commands that print them are exported too.
 */
export class LabVerify extends pulumi.ComponentResource {
  /** The checks run. */
  public readonly checks: readonly VerifyCheck[];
  /** `az vm run-command show ... --instance-view` per verify run command. */
  public readonly reportCommands: pulumi.Output<string[]>;
  /** The verify reports (each run command's output), read back after the checks have run. */
  public readonly report: pulumi.Output<string>;
  /** URNs of the verify run commands (npm run resume re-runs them with pulumi up --target-replace). */
  public readonly commandUrns: pulumi.Output<string[]>;
  /** Run command names by Azure VM, in the order the reports are printed (npm run resume); they run side by side. */
  public readonly commandNames: readonly { readonly vm: WindowsVm; readonly name: string }[];

  constructor(name: string, args: LabVerifyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:verify:LabVerify", name, {}, opts);
    this.checks = VERIFY_CHECKS;
    const users = new RunStep(
      `${name}-user-discovery`,
      {
        vm: args.siteServer,
        script: "check-user-discovery.ps1",
        parameters: { SiteCode: args.siteCode, UserName: "*", Require: "both", WaitMinutes: String(VERIFY_WAIT_MINUTES) },
        runAs: args.runAs,
        timeoutMinutes: VERIFY_WAIT_MINUTES + 5,
        lane: "verify-user",
        // Both discovery steps already waited for their side of the user record.
        recheck: true,
        tags: args.tags,
      },
      { parent: this },
    );
    const clientRuns = args.clients.map(
      (client) =>
        new RunStep(
          `${name}-${client.computerName.toLowerCase()}`,
          {
            vm: client,
            script: "lab-verify-client.ps1",
            parameters: {
              CmgFqdn: args.cmgFqdn,
              InternetOnly: (args.intranetClients ?? []).includes(client.computerName) ? "0" : "1",
              TenantId: args.tenantId,
              WaitMinutes: String(VERIFY_WAIT_MINUTES),
            },
            timeoutMinutes: VERIFY_WAIT_MINUTES + 5,
            tags: args.tags,
          },
          { parent: this },
        ),
    );
    const site = new RunStep(
      `${name}-site`,
      {
        vm: args.siteServer,
        script: "lab-verify-site.ps1",
        parameters: {
          SiteCode: args.siteCode,
          SiteServerFqdn: args.siteServerFqdn,
          CmgFqdn: args.cmgFqdn,
          ClientNames: args.clients.map((c) => c.computerName).join(","),
          WaitMinutes: String(VERIFY_WAIT_MINUTES),
        },
        runAs: args.runAs,
        timeoutMinutes: VERIFY_WAIT_MINUTES + 5,
        // Beside the other checks: it waits, bounded, for the clients to be online on its own.
        lane: "verify-site",
        tags: args.tags,
      },
      { parent: this },
    );
    const runs: { vm: WindowsVm; step: RunStep; name: string }[] = [
      { vm: args.siteServer, step: users, name: `${name}-user-discovery` },
      ...args.clients.map((c, i) => ({ vm: c, step: clientRuns[i] as RunStep, name: `${name}-${c.computerName.toLowerCase()}` })),
      { vm: args.siteServer, step: site, name: `${name}-site` },
    ];
    this.commandUrns = pulumi.all(runs.map((r) => r.step.command.urn));
    this.commandNames = runs.map((r) => ({ vm: r.vm, name: r.name }));
    this.reportCommands = pulumi
      .all([pulumi.output(args.resourceGroupName), pulumi.all(runs.map((r) => r.vm.vmName))])
      .apply(([rg, vmNames]) => runs.map((r, i) => verifyReportCommand(rg, vmNames[i] ?? "", r.name)));
    // The reports themselves, read back from Azure with the run commands' instance view once they
    // have run (their names resolve only after creation, so this read waits for them; in a
    // preview of a new lab it is unknown). When a check fails, the deployment fails with its
    // report instead, and the commands above print it.
    const reports = runs.map((r) =>
      compute
        .getVirtualMachineRunCommandByVirtualMachineOutput(
          { resourceGroupName: args.resourceGroupName, vmName: r.vm.vmName, runCommandName: r.step.command.name, expand: "instanceView" },
          { parent: this },
        )
        .apply((rc) => `== ${r.name} (${rc.instanceView?.executionState ?? "unknown"})\n${(rc.instanceView?.output ?? "").trim()}`),
    );
    this.report = pulumi.all(reports).apply((parts) => parts.join("\n\n"));
    this.registerOutputs({ reportCommands: this.reportCommands, report: this.report });
  }
}
