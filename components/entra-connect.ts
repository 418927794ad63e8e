import * as pulumi from "@pulumi/pulumi";
import { DomainMember } from "./domain-member";
import { RunStep } from "./run-step";
import type { WindowsVm } from "./windows-vm";
import { EntraConnectMsiBlob } from "./entra-connect-msi";
import { joinDns } from "../stacks/model/sync-scope";

/** An account the in-guest steps run as; its password must be a Pulumi secret. */
export interface RunAsAccount {
  /** `NETBIOS\user`. */
  readonly user: pulumi.Input<string>;
  /** The password (secret). */
  readonly password: pulumi.Input<string>;
}

export interface EntraConnectArgs {
  /** Required. The Entra Connect server VM (SYNC01). */
  readonly vm: WindowsVm;
  /** Required. AD domain (forest root) DNS name; also the name of the AD connector. */
  readonly domainFqdn: string;
  /** Required. DN of the OU the server's computer account is created in (the Servers OU). */
  readonly serversOuDn: string;
  /** Required. Address of a domain controller, waited for before joining. */
  readonly dcAddress: string;
  /** Required. Account allowed to join computers, `NETBIOS\user`; its password a secret. */
  readonly join: RunAsAccount;
  /**
   * Required. The domain admin the configuration check runs as, and the account to sign in with
   * for the one-time wizard (the wizard adds the signed-in account to ADSyncAdmins, which the
   * ADSync cmdlets need).
   */
  readonly admin: RunAsAccount;
  /**
   * Required. Where the Entra Connect Sync MSI comes from: `url`, an https URL the user hosts
   * (`cmg-lab:sync.msiUrl`; a secret one travels as a protected parameter); `blob`, a local file
   * (`cmg-lab:sync.msiFile`) this component uploads to a private blob that `vm` reads with its
   * managed identity (the VM needs `systemAssignedIdentity`); `none` only in the offline plan
   * (the install step then fails at once naming the missing key).
   */
  readonly msi: EntraConnectMsiSource;
  /** Required. The OU DNs the sync scope will hold; printed in the wizard choices. */
  readonly syncOuDns: readonly string[];
  /** Required. UPN of the Entra Connect setup identity (from the entra-apps step), printed in the wizard choices. */
  readonly setupUpn: pulumi.Input<string>;
  /** Optional. More resources the domain join waits for. */
  readonly after?: readonly pulumi.Resource[];
  /** Required. Tags (lab, stack, step, expiresOn). */
  readonly tags: Readonly<Record<string, string>>;
}

/** See {@link EntraConnectArgs.msi}. */
export type EntraConnectMsiSource =
  | { readonly kind: "url"; readonly url: pulumi.Input<string>; readonly secret: boolean }
  | {
      readonly kind: "blob";
      /** Absolute path of the MSI on the machine that runs Pulumi. */
      readonly file: string;
      /** The lab's resource group: the storage account is deleted with it. */
      readonly resourceGroupName: pulumi.Input<string>;
      /** Fixed part of the storage account name (stacks/model/names.ts `msiStorageAccountStem`). */
      readonly accountNameStem: string;
    }
  | { readonly kind: "none" };

/** Minutes the Entra Connect MSI download and install may take. */
export const INSTALL_TIMEOUT_MINUTES = 40;

/**
 * Minutes the configuration check waits for the one-time wizard. Longer than the ConfigMgr site
 * install that runs meanwhile (the critical path), so a presenter who completes the wizard while
 * the site installs loses no time; failing early would stop `pulumi up` from starting anything new.
 * Waited in rounds of {@link WIZARD_ROUND_MINUTES}: one run command may not run past 90 minutes.
 */
export const WIZARD_WAIT_MINUTES = 180;
export const WIZARD_ROUND_MINUTES = 60;

/**
 * The Entra Connect Sync server: SYNC01 joined to the domain in the Servers OU, the TLS 1.2
 * prerequisites, the Entra Connect binaries installed from the user's MSI (`msi`), and a check
 * that Entra Connect is configured (sync engine, AD and Entra ID connectors, password hash sync,
 * not staging).
 *
 * Microsoft supports no headless configuration: the Entra Connect FAQ says an unattended, silent
 * installation "isn't supported" (reference-connect-faq). `msiexec /qn` laying down the binaries
 * and the wizard is public lab practice, not documented; no documented cmdlet
 * creates the sync engine, its connectors or the Entra ID sync account, so the one-time
 * connection is made in the wizard with the setup identity. The check waits, bounded, for it while
 * the rest of the lab (the site install above all) goes on; on timeout it fails with the exact
 * wizard choices and the next `pulumi up` runs it again (a run command whose create failed is
 * replaced on the next update). The setup identity's password is not sent to the VM at all: nothing
 * documented on the VM could consume it; `npm run credentials` prints it for the wizard.
 */
export class EntraConnect extends pulumi.ComponentResource {
  /** Done when the server is a domain member. */
  public readonly member: pulumi.Resource;
  /** Done when the Entra Connect binaries are installed. */
  public readonly installed: pulumi.Resource;
  /** Done when Entra Connect is configured (the check passed). */
  public readonly ready: pulumi.Resource;
  /** The uploaded MSI (storage account, container, blob, role), when `msi.kind` is `blob`. */
  public readonly msiBlob: EntraConnectMsiBlob | undefined;

  constructor(name: string, args: EntraConnectArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before anything is registered.
    if (args.msi.kind === "url" && typeof args.msi.url === "string" && !args.msi.secret && !/^https:\/\/[^\s?]+$/.test(args.msi.url)) {
      throw new Error(`EntraConnect ${name}: msi.url must be an https URL without a query (a URL with a token must be a secret), got '${args.msi.url}'`);
    }
    if (args.msi.kind === "blob" && args.vm.principalId === undefined) {
      throw new Error(`EntraConnect ${name}: the MSI blob is read with the VM's managed identity, but ${args.vm.computerName} has none (systemAssignedIdentity)`);
    }
    if (args.syncOuDns.length === 0) throw new Error(`EntraConnect ${name}: syncOuDns is empty`);
    super("cmg-lab:sync:EntraConnect", name, {}, opts);

    const member = new DomainMember(
      `${name}-member`,
      {
        vm: args.vm,
        domainFqdn: args.domainFqdn,
        ouDn: args.serversOuDn,
        dcAddress: args.dcAddress,
        joinUser: args.join.user,
        joinPassword: args.join.password,
        ...(args.after ? { after: args.after } : {}),
        tags: args.tags,
      },
      { parent: this },
    );
    const prerequisites = new RunStep(
      `${name}-prerequisites`,
      { vm: args.vm, script: "entra-connect-prerequisites.ps1", timeoutMinutes: 10, after: [member.ready], tags: args.tags },
      { parent: this },
    );
    // The MSI: handed over as a URL, or uploaded to a private blob in the lab's resource group
    // that the VM reads with its managed identity (the install waits for the blob and the role).
    let msiBlob: EntraConnectMsiBlob | undefined;
    if (args.msi.kind === "blob") {
      msiBlob = new EntraConnectMsiBlob(
        `${name}-msi`,
        {
          resourceGroupName: args.msi.resourceGroupName,
          location: args.vm.location,
          accountNameStem: args.msi.accountNameStem,
          file: args.msi.file,
          readerPrincipalId: args.vm.principalId as pulumi.Output<string>,
          tags: args.tags,
        },
        { parent: this },
      );
    }
    const msi = args.msi;
    const msiParameters: { parameters: Record<string, pulumi.Input<string>>; protectedParameters?: Record<string, pulumi.Input<string>> } =
      msi.kind === "blob" && msiBlob
        ? { parameters: { MsiUrl: msiBlob.blobUrl, MsiAuth: "ManagedIdentity" } }
        : msi.kind === "url" && msi.secret
          ? { parameters: { MsiAuth: "None" }, protectedParameters: { MsiUrl: msi.url } }
          : msi.kind === "url"
            ? { parameters: { MsiUrl: msi.url, MsiAuth: "None" } }
            : { parameters: { MsiUrl: "", MsiAuth: "None" } };
    const install = new RunStep(
      `${name}-install`,
      {
        vm: args.vm,
        script: "entra-connect-install.ps1",
        ...msiParameters,
        timeoutMinutes: INSTALL_TIMEOUT_MINUTES,
        after: [prerequisites.command, ...(msiBlob ? msiBlob.ready : [])],
        tags: args.tags,
      },
      { parent: this },
    );
    this.msiBlob = msiBlob;
    const configure = new RunStep(
      `${name}-configure`,
      {
        vm: args.vm,
        script: "entra-connect-configure.ps1",
        parameters: {
          ForestFqdn: args.domainFqdn,
          ExpectedOuDns: joinDns(args.syncOuDns),
          SetupUpn: args.setupUpn,
          AdminUser: args.admin.user,
          WaitMinutes: String(WIZARD_ROUND_MINUTES),
        },
        runAs: args.admin,
        timeoutMinutes: WIZARD_ROUND_MINUTES + 10,
        rounds: Math.ceil(WIZARD_WAIT_MINUTES / WIZARD_ROUND_MINUTES),
        after: [install.command],
        tags: args.tags,
      },
      { parent: this },
    );
    // A run command of its own: a new logon, whose token carries the ADSyncAdmins membership the
    // wizard gave the account after the configure check had logged on.
    const verify = new RunStep(
      `${name}-verify`,
      {
        vm: args.vm,
        script: "entra-connect-verify.ps1",
        parameters: { ForestFqdn: args.domainFqdn },
        runAs: args.admin,
        timeoutMinutes: 10,
        after: [configure.command],
        tags: args.tags,
      },
      { parent: this },
    );
    this.member = member.ready;
    this.installed = install.command;
    this.ready = verify.command;
    this.registerOutputs({});
  }
}
