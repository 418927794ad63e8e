import * as pulumi from "@pulumi/pulumi";
import type { LabConfig } from "../stacks/config/lab-config";
import { labNames } from "../stacks/model/names";
import type { StepId } from "../stacks/model/runbook";
import type { CmgAzureAccess } from "./cmg-azure-access";
import type { EntraApps } from "./entra-apps";
import type { LabStep } from "./lab-step";
import { buildAccess } from "./lab/access";
import { buildClients } from "./lab/clients";
import { buildCmg } from "./lab/cmg";
import { labTags, type LabContext } from "./lab/context";
import { buildDirectory } from "./lab/directory";
import { buildEntra } from "./lab/entra";
import { buildMachines } from "./lab/machines";
import { buildAadUserDiscovery, buildSite } from "./lab/site";
import { StepScopes } from "./lab/step-scopes";
import { buildSync } from "./lab/sync";
import { buildAgentsAndVerify } from "./lab/verify";

export { labTags };

/** The `power` stack output (scripts/cli/lab-power.ts reads it). */
export interface LabPowerOutput {
  readonly resourceGroupName: string;
  /** Azure VM names: the DC, then every member (site server first). */
  readonly dcVm: string;
  readonly memberVms: string[];
  readonly siteServerVm: string;
  readonly siteCode: string;
  readonly cmgServiceFqdn: string;
  readonly expiresOn: string;
  readonly serverAppSecretEndDate: string;
  readonly bastion: {
    readonly mode: string;
    readonly name: string;
    readonly publicIpName: string;
    readonly vnetName: string;
    readonly location: string;
    readonly tags: Record<string, string>;
  };
  /** The site install run command (its start date begins the evaluation's 180 days). */
  readonly siteInstallRunCommand: string;
  readonly verifyUrns: string[];
  readonly verifyRunCommands: { vm: string; name: string }[];
}

export interface LabArgs {
  /** Required. The validated lab configuration. */
  readonly config: LabConfig;
}

/**
 * The whole lab: every runbook step as a component, each holding the resources that carry it
 * out. Steps are built in runbook order, so every resource waits for the steps its step needs.
 */
export class Lab extends pulumi.ComponentResource {
  /** Steps that have resources, by id. */
  public readonly steps: ReadonlyMap<StepId, LabStep>;
  /** Name of the lab's resource group. */
  public readonly resourceGroupName: pulumi.Output<string>;
  /** Azure Bastion host name, when the admin path is Bastion. */
  public readonly bastionName: pulumi.Output<string> | undefined;
  /** Admin user name (local admin of every VM; domain admin once the forest exists). */
  public readonly adminUsername: string;
  /** Admin password (secret). */
  public readonly adminPassword: pulumi.Output<string>;
  /** CMG service name (= its deployment name, the certificate's CN). */
  public readonly cmgServiceFqdn: pulumi.Output<string>;
  /** The verify step's reports, read back after the checks ran. */
  public readonly verifyReport: pulumi.Output<string>;
  /** Commands that print the verify step's reports (for a failed run, when no stack output is written). */
  public readonly verifyReportCommands: pulumi.Output<string[]>;
  /** The end-to-end checks the verify step runs. */
  public readonly verifyChecks: readonly string[];
  /** Azure VM names by Windows computer name. */
  public readonly vmNames: Readonly<Record<string, pulumi.Output<string>>>;
  /** `az vm start` for every lab VM: Azure cannot change a stopped VM's run commands. */
  public readonly startVmsCommand: pulumi.Output<string>;
  /**
   * What npm run pause / resume need (scripts/cli/lab-power.ts): the VMs in start order (DC first), the
   * site, the CMG, the Bastion to delete and recreate, the dates a long pause runs into, and the
   * verify run commands to re-run. No secret.
   */
  public readonly power: pulumi.Output<LabPowerOutput>;
  /** The demo users' UPNs (`labuser01@<tenant domain>`, ...), created in the users OU (step `ad-ous`). */
  public readonly demoUserUpns: readonly string[];
  /** The demo users' password (secret), apart from the admin password. */
  public readonly demoUserPassword: pulumi.Output<string>;
  /** ConfigMgr's Entra apps and the Entra Connect setup identity (step `entra-apps`). */
  public readonly entra: EntraApps;
  /** The CMG resource group and the server app's role on it (step `cmg-azure-access`); the CMG waits for `cmgAccess.ready`. */
  public readonly cmgAccess: CmgAzureAccess;

  constructor(name: string, args: LabArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:lab:Lab", name, {}, opts);
    const { config } = args;
    const names = labNames(config.prefix, config.stack);
    const scopes = new StepScopes(this, labTags(config));
    const ctx: LabContext = { config, names, scopes };

    // One builder per area, each opening its steps in runbook order (components/lab/). Keep the
    // calls in this order: a step must be opened after every step it needs, and run commands on
    // one VM run in the order they are created (WindowsVm.sequence).
    const { credentials, network, admin, adminStep, domainAdmin } = buildAccess(ctx);
    const { dc, siteServer, entraConnect, clients } = buildMachines(ctx, { network, credentials });
    const { entra, cmgAccess } = buildEntra(ctx);
    const { directory } = buildDirectory(ctx, { dc, credentials, entra });
    const { site } = buildSite(ctx, { siteServer, entra, domainAdmin });
    buildSync(ctx, { entraConnect, network, entra, domainAdmin });
    const { members: joined } = buildClients(ctx, { clients, entraConnect, entra, domainAdmin });
    const cmgArea = buildCmg(ctx, { dc, siteServer, site, entra, cmgAccess, domainAdmin });
    buildAadUserDiscovery(ctx, { siteServer, site, domainAdmin });
    const { verify } = buildAgentsAndVerify(ctx, { siteServer, clients, members: joined, site, entra, cmg: cmgArea, network, domainAdmin });
    const { cmg } = cmgArea;

    this.entra = entra;
    this.cmgAccess = cmgAccess;
    this.cmgServiceFqdn = cmg.serviceFqdn;
    this.verifyReport = verify.report;
    this.verifyReportCommands = verify.reportCommands;
    this.verifyChecks = verify.checks.map((c) => `${c.on}: ${c.id}: ${c.what}`);

    const allVms = [dc, siteServer, entraConnect, ...clients];
    this.steps = new Map(scopes.built().map((id) => [id, scopes.get(id)]));
    this.resourceGroupName = network.resourceGroupName;
    this.bastionName = admin.bastionName;
    this.adminUsername = credentials.adminUsername;
    this.adminPassword = credentials.adminPassword;
    this.vmNames = Object.fromEntries(allVms.map((v) => [v.computerName, v.vmName]));
    // --ids takes several VMs at once (--name takes one).
    this.startVmsCommand = pulumi.all(allVms.map((v) => v.vmId)).apply((ids) => `az vm start --ids ${ids.join(" ")}`);
    this.power = pulumi
      .all([
        network.resourceGroupName,
        dc.vmName,
        pulumi.all([siteServer, entraConnect, ...clients].map((v) => v.vmName)),
        cmg.serviceFqdn,
        entra.serverAppSecretEndDate,
        verify.commandUrns,
        pulumi.all(verify.commandNames.map((c) => c.vm.vmName)),
      ])
      .apply(([rg, dcName, members, cmgFqdn, secretEnd, verifyUrns, verifyVms]) => ({
        resourceGroupName: rg,
        dcVm: dcName,
        memberVms: members,
        siteServerVm: members[0] ?? "",
        siteCode: config.site.siteCode,
        cmgServiceFqdn: cmgFqdn,
        expiresOn: config.schedule.expiresOn,
        serverAppSecretEndDate: secretEnd,
        bastion: {
          mode: config.admin.bastion,
          name: names.bastion,
          publicIpName: names.bastionIp,
          vnetName: names.vnet,
          location: config.location,
          tags: adminStep.tags,
        },
        siteInstallRunCommand: "site-install",
        verifyUrns,
        verifyRunCommands: verify.commandNames.map((c, i) => ({ vm: verifyVms[i] ?? "", name: c.name })),
      }));
    this.demoUserUpns = directory.demoUserUpns;
    this.demoUserPassword = directory.demoUserPassword;
    this.registerOutputs({ resourceGroupName: this.resourceGroupName, adminUsername: this.adminUsername });
  }
}
