import * as pulumi from "@pulumi/pulumi";
import type { LabConfig } from "../stacks/config/lab-config";
import { ADDRESSES, domainDn, labNames, msiStorageAccountStem, ouDn, SERVER_COMPUTER_NAMES, type ServerRole, type SubnetRole } from "../stacks/model/names";
import { RUNBOOK, stepDef, transitiveNeeds, type StepId } from "../stacks/model/runbook";
import { AdDirectory } from "./ad-directory";
import { AdForest } from "./ad-forest";
import { AdminAccess } from "./admin-access";
import { DeviceJoinSync } from "./device-join-sync";
import { DeviceRegistration } from "./device-registration";
import { DomainMember } from "./domain-member";
import { HybridJoinScp } from "./hybrid-join-scp";
import { CmgAzureAccess } from "./cmg-azure-access";
import { EntraApps } from "./entra-apps";
import { EntraConnect } from "./entra-connect";
import { SyncScope } from "./sync-scope";
import { syncScopeSpec } from "../stacks/model/sync-scope";
import { LabCredentials } from "./lab-credentials";
import { LabNetwork } from "./lab-network";
import { LabStep } from "./lab-step";
import { serverSecretEndDate } from "../stacks/model/entra";
import { WindowsVm, type WindowsOs } from "./windows-vm";
import * as path from "node:path";
import { cmgRegion } from "../stacks/model/cmg-names";
import { labCaCommonName } from "../stacks/model/cmg";
import { ClientAgent } from "./client-agent";
import { Cmg } from "./cmg";
import { CmgCertificate } from "./cmg-certificate";
import { CmgConnectionPoint } from "./cmg-connection-point";
import { LabVerify } from "./lab-verify";
import { AadUserDiscovery } from "./aad-user-discovery";
import { AzureServices } from "./azure-services";
import { EnhancedHttp } from "./enhanced-http";
import { SiteDiscovery } from "./site-discovery";
import { SiteMedia } from "./site-media";
import { SiteServer } from "./site-server";
import { ldapPath, siteName } from "../stacks/model/site";

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

/** Tags every taggable Azure resource of the lab carries; `step` is added per step. */
export function labTags(config: LabConfig): Record<string, string> {
  return { lab: config.prefix, stack: config.stack, expiresOn: config.schedule.expiresOn, managedBy: "cmg-lab" };
}

/**
 * Opens the runbook's step components in runbook order. A step waits for every *built* step it
 * needs; where a needed step has no resources yet, its own needs are waited for instead, so
 * the order of the table holds even while steps are being filled in.
 */
class StepScopes {
  private readonly open = new Map<StepId, LabStep>();

  constructor(
    private readonly lab: pulumi.ComponentResource,
    private readonly tags: Record<string, string>,
  ) {}

  get(id: StepId): LabStep {
    const existing = this.open.get(id);
    if (existing) return existing;
    for (const [openId] of this.open) {
      if (transitiveNeeds(openId).has(id)) {
        throw new Error(`runbook step '${id}' is built after '${openId}', which needs it: build steps in runbook order`);
      }
    }
    const step = new LabStep({ step: id, after: this.builtNeeds(id), labTags: this.tags }, { parent: this.lab });
    this.open.set(id, step);
    return step;
  }

  /** Steps with resources so far, in runbook order. */
  built(): StepId[] {
    return RUNBOOK.map((s) => s.id).filter((id) => this.open.has(id));
  }

  private builtNeeds(id: StepId): LabStep[] {
    const result = new Set<LabStep>();
    const visit = (s: StepId): void => {
      for (const need of stepDef(s).needs) {
        const built = this.open.get(need);
        if (built) result.add(built);
        else visit(need);
      }
    };
    visit(id);
    return [...result];
  }
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

    const credentialsStep = scopes.get("credentials");
    const credentials = new LabCredentials(
      "admin",
      { adminUsername: config.admin.username },
      { parent: credentialsStep },
    );

    const networkStep = scopes.get("network");
    const network = new LabNetwork(
      "lab",
      {
        names,
        location: config.location,
        bastion: config.admin.bastion,
        allowedSourceCidrs: config.admin.allowedSourceCidrs,
        dnsServers: [ADDRESSES.dc],
        tags: networkStep.tags,
      },
      { parent: networkStep },
    );

    const adminStep = scopes.get("admin-access");
    const admin = new AdminAccess(
      "lab",
      {
        names,
        location: config.location,
        resourceGroupName: network.resourceGroupName,
        bastion: config.admin.bastion,
        vnetId: network.vnetId,
        bastionSubnetId: network.bastionSubnetId,
        tags: adminStep.tags,
      },
      { parent: adminStep },
    );

    const autoShutdown = config.schedule.autoShutdown
      ? { time: config.schedule.autoShutdown, timeZone: config.schedule.timeZone }
      : null;
    const vm = (
      step: LabStep,
      computerName: string,
      spec: { os: WindowsOs; size: string; subnet: SubnetRole; ip?: string; diskGb?: number; premium?: boolean; identity?: boolean },
    ): WindowsVm =>
      new WindowsVm(
        computerName.toLowerCase(),
        {
          resourceGroupName: network.resourceGroupName,
          location: config.location,
          vmName: names.vm(computerName),
          computerName,
          os: spec.os,
          size: spec.size,
          subnetId: network.subnetIds[spec.subnet],
          ...(spec.ip ? { privateIpAddress: spec.ip } : {}),
          publicIp: config.admin.allowedSourceCidrs.length > 0,
          adminUsername: credentials.adminUsername,
          adminPassword: credentials.adminPassword,
          ...(spec.diskGb ? { osDiskSizeGb: spec.diskGb } : {}),
          osDiskType: spec.premium ? "Premium_LRS" : "StandardSSD_LRS",
          ...(spec.identity ? { systemAssignedIdentity: true } : {}),
          autoShutdown,
          timeZone: config.schedule.timeZone,
          tags: step.tags,
        },
        { parent: step },
      );
    const server = (role: ServerRole): string => SERVER_COMPUTER_NAMES[role];

    const dcStep = scopes.get("dc-vm");
    const dc = vm(dcStep, server("dc"), {
      os: "windows-server-2022",
      size: config.domain.dcVmSize,
      subnet: "servers",
      ip: ADDRESSES.dc,
    });

    const serverStep = scopes.get("server-vms");
    const siteServer = vm(serverStep, server("siteServer"), {
      os: "windows-server-2022",
      size: config.site.vmSize,
      subnet: "servers",
      ip: ADDRESSES.siteServer,
      // SQL Server, the ADK, the ConfigMgr media and content libraries: the image's 127 GiB is too tight.
      diskGb: 256,
      premium: true,
    });
    const entraConnect = vm(serverStep, server("entraConnect"), {
      os: "windows-server-2022",
      size: config.sync.vmSize,
      subnet: "servers",
      ip: ADDRESSES.entraConnect,
      // Reads the uploaded Entra Connect MSI (sync.msiFile) from its private blob.
      identity: config.sync.msi.kind === "file",
    });

    const clientStep = scopes.get("client-vms");
    const clients = config.clients.map((c) =>
      vm(clientStep, c.name, {
        // Windows 7/8.1 are refused by the config loader: no marketplace image, no token auth.
        os: c.os === "windows-10" ? "windows-10" : "windows-11",
        size: c.vmSize,
        subnet: c.network === "internet" ? "internet" : "workstations",
      }),
    );

    /** The domain's admin account: the local admin of the DC becomes it at promotion. */
    const domainAdmin = {
      user: `${config.domain.netbiosName}\\${credentials.adminUsername}`,
      password: credentials.adminPassword,
    };

    // Each area below opens its runbook steps with `scopes.get(id)` and parents its components to
    // them. Keep the areas in this order: a step must be opened after every step it needs.

    // ---- entra-apps, cmg-azure-access --------------------------------------------------------
    const entraStep = scopes.get("entra-apps");
    const entra = new EntraApps(
      "configmgr",
      {
        prefix: config.prefix,
        stack: config.stack,
        displayNameStem: names.entraStem,
        tenantDomain: config.tenant.domain,
        secretEndDate: serverSecretEndDate({
          expiresOn: config.schedule.expiresOn,
          secretDays: config.entra.secretDays,
          issuedOn: config.entra.secretIssuedOn,
        }),
        secretRotation: config.entra.secretIssuedOn ?? "initial",
      },
      { parent: entraStep },
    );
    // Opened after entra-apps, which it needs: its resources wait for the apps and consents. The
    // role assignment exists long before the cmg step runs (that waits for the site install, an
    // hour or more), so RBAC propagation (minutes) is over by then.
    const cmgAccessStep = scopes.get("cmg-azure-access");
    const cmgAccess = new CmgAzureAccess(
      "cmg",
      {
        resourceGroupName: names.cmgResourceGroup,
        location: config.location,
        serverAppPrincipalId: entra.serverAppPrincipalId,
        role: config.entra.cmgRole,
        tags: cmgAccessStep.tags,
      },
      { parent: cmgAccessStep },
    );
    this.entra = entra;
    this.cmgAccess = cmgAccess;

    // ---- ad-forest, ad-ous, hybrid-join-scp --------------------------------------------------
    // The VNet hands every VM the DC's address as DNS server (LabNetwork dnsServers above), so
    // everything that joins resolves the domain through the DC; the DC forwards other names to
    // Azure DNS once promoted (ad-dns-forwarder.ps1).
    const forestStep = scopes.get("ad-forest");
    new AdForest(
      "forest",
      {
        vm: dc,
        domainFqdn: config.domain.fqdn,
        netbiosName: config.domain.netbiosName,
        // The DSRM password: the lab admin password, sent as a protected parameter.
        safeModePassword: credentials.adminPassword,
        tags: forestStep.tags,
      },
      { parent: forestStep },
    );
    const ousStep = scopes.get("ad-ous");
    const directory = new AdDirectory(
      "ad",
      {
        vm: dc,
        domainFqdn: config.domain.fqdn,
        ous: config.domain.ous,
        usersOu: config.domain.usersOu,
        tenantDomain: config.tenant.domain,
        demoUserCount: config.domain.demoUsers,
        tags: ousStep.tags,
      },
      { parent: ousStep },
    );
    const scpStep = scopes.get("hybrid-join-scp");
    new HybridJoinScp(
      "hybrid-join",
      {
        vm: dc,
        forestFqdn: config.domain.fqdn,
        tenantDomain: config.tenant.domain,
        tenantId: entra.tenantId,
        tags: scpStep.tags,
      },
      { parent: scpStep },
    );

    // ---- site-server, enhanced-http, ad-user-discovery, azure-services, aad-user-discovery ----
    // Every run command on CM01 runs after the previous one (WindowsVm.sequence), in this order.
    // The media download is created first, so it starts as soon as the VM exists, in parallel
    // with the forest; the ConfigMgr work after the join runs as the domain admin, who installs
    // the site and so is its Full Administrator (LocalSystem's ConfigMgr rights: UNCONFIRMED).
    const mediaStep = scopes.get("site-media");
    const media = new SiteMedia("site", { vm: siteServer, media: config.site.media, tags: mediaStep.tags }, { parent: mediaStep });
    const siteStep = scopes.get("site-server");
    const site = new SiteServer(
      "site",
      {
        vm: siteServer,
        domainFqdn: config.domain.fqdn,
        domainDn: domainDn(config.domain.fqdn),
        netbiosName: config.domain.netbiosName,
        serversOuDn: ouDn(config.domain.serversOu, config.domain.fqdn),
        dcAddress: ADDRESSES.dc,
        domainAdmin,
        siteCode: config.site.siteCode,
        siteName: siteName(config.prefix, config.site.siteCode),
        mediaRoot: media.mediaRoot,
        tags: siteStep.tags,
      },
      { parent: siteStep },
    );
    const ehttpStep = scopes.get("enhanced-http");
    new EnhancedHttp(
      "site",
      { vm: siteServer, siteCode: site.siteCode, siteServerFqdn: site.fqdn, runAs: domainAdmin, tags: ehttpStep.tags },
      { parent: ehttpStep },
    );
    const adDiscoveryStep = scopes.get("ad-user-discovery");
    new SiteDiscovery(
      "site",
      {
        vm: siteServer,
        siteCode: site.siteCode,
        siteServerFqdn: site.fqdn,
        usersOuLdap: ldapPath(config.domain.usersOu, config.domain.fqdn),
        systemOusLdap: [config.domain.workstationsOu, config.domain.serversOu].map((ou) => ldapPath(ou, config.domain.fqdn)),
        runAs: domainAdmin,
        tags: adDiscoveryStep.tags,
      },
      { parent: adDiscoveryStep },
    );
    const azureStep = scopes.get("azure-services");
    new AzureServices(
      "site",
      {
        vm: siteServer,
        siteCode: site.siteCode,
        siteServerFqdn: site.fqdn,
        tenantId: entra.tenantId,
        tenantDomain: entra.tenantDomain,
        serverAppClientId: entra.serverAppClientId,
        serverAppName: entra.serverAppName,
        serverAppIdentifierUri: entra.serverAppIdentifierUri,
        serverAppSecret: entra.serverAppSecret,
        serverAppSecretEndDate: entra.serverAppSecretEndDate,
        clientAppClientId: entra.clientAppClientId,
        clientAppName: entra.clientAppName,
        appsReady: entra.ready,
        runAs: domainAdmin,
        tags: azureStep.tags,
      },
      { parent: azureStep },
    );
    // aad-user-discovery is built after the CMG connection point (below): its check waits for
    // Azure AD discovery to report users, and on CM01's serial queue it would delay the CMG.

    // ---- entra-connect, sync-scope ------------------------------------------------------------
    // Never waits for the ConfigMgr site: only for the OUs (ad-ous) and the SYNC01 VM.
    const connectStep = scopes.get("entra-connect");
    const syncScopeDns = syncScopeSpec({
      fqdn: config.domain.fqdn,
      syncOus: config.sync.ous,
      workstationsOu: config.domain.workstationsOu,
      usersOu: config.domain.usersOu,
    });
    const connect = new EntraConnect(
      "sync01",
      {
        vm: entraConnect,
        domainFqdn: config.domain.fqdn,
        serversOuDn: ouDn(config.domain.serversOu, config.domain.fqdn),
        dcAddress: ADDRESSES.dc,
        join: domainAdmin,
        admin: domainAdmin,
        msi:
          config.sync.msi.kind === "file"
            ? {
                kind: "blob",
                file: path.resolve(__dirname, "..", config.sync.msi.file),
                resourceGroupName: network.resourceGroupName,
                accountNameStem: msiStorageAccountStem(config.prefix, config.stack),
              }
            : config.sync.msi,
        syncOuDns: syncScopeDns.ouDns,
        setupUpn: entra.connectSetupUpn,
        tags: connectStep.tags,
      },
      { parent: connectStep },
    );
    const syncScopeStep = scopes.get("sync-scope");
    new SyncScope(
      "sync-scope",
      {
        vm: entraConnect,
        mode: config.sync.configuration,
        forestFqdn: config.domain.fqdn,
        scope: syncScopeDns,
        admin: domainAdmin,
        after: [connect.ready],
        tags: syncScopeStep.tags,
      },
      { parent: syncScopeStep },
    );

    // ---- clients, device-registration ---------------------------------------------------------
    // The VMs exist already (client-vms, in parallel with the forest); only the joins wait, for
    // ad-ous (and so for the forest and the Workstations OU), through the step mechanism.
    const clientsStep = scopes.get("clients");
    const members = clients.map(
      (client) =>
        new DomainMember(
          client.computerName.toLowerCase(),
          {
            vm: client,
            domainFqdn: config.domain.fqdn,
            ouDn: ouDn(config.domain.workstationsOu, config.domain.fqdn),
            dcAddress: ADDRESSES.dc,
            joinUser: domainAdmin.user,
            joinPassword: domainAdmin.password,
            tags: clientsStep.tags,
          },
          { parent: clientsStep },
        ),
    );
    // device-registration needs clients, sync-scope and hybrid-join-scp in the runbook, so it
    // starts once the scope is synced. Each client then writes its device certificate to AD, one
    // delta sync carries the computer objects to Entra ID, and only then do the join waits start.
    const registrationStep = scopes.get("device-registration");
    const deviceSync = new DeviceJoinSync(
      "device",
      { clients, syncServer: entraConnect, forestFqdn: config.domain.fqdn, runAs: domainAdmin, tags: registrationStep.tags },
      { parent: registrationStep },
    );
    clients.forEach(
      (client) =>
        new DeviceRegistration(
          client.computerName.toLowerCase(),
          { vm: client, tenantId: entra.tenantId, afterSync: [deviceSync.synced], tags: registrationStep.tags },
          { parent: registrationStep },
        ),
    );

    // ---- cmg-certificate, cmg, cmg-connection-point, client-agent, verify -------------------
    // The CMG's names come from the certificate step: lab-ca adds a per-deployment suffix
    // (key vault soft delete), a supplied PFX fixes the name. In-guest work on CM01 and DC01 runs
    // after each VM's previous run command (WindowsVm.sequence), so after the site install.
    const cmgRegionValue = cmgRegion(config.location);
    if (cmgRegionValue === undefined) throw new Error(`internal: location ${config.location} is not a CMG region (the config loader refuses it)`);
    const cmgCertStep = scopes.get("cmg-certificate");
    const cmgCert = new CmgCertificate(
      "cmg",
      {
        certificate: config.cmg.certificate,
        cmgName: config.cmg.name,
        location: config.location,
        dc,
        siteServer,
        domainFqdn: config.domain.fqdn,
        caCommonName: labCaCommonName(config.domain.netbiosName),
        runAs: domainAdmin,
        expiresOn: config.schedule.expiresOn,
        projectDir: path.resolve(__dirname, ".."),
        tags: cmgCertStep.tags,
      },
      { parent: cmgCertStep },
    );
    const cmgStep = scopes.get("cmg");
    const cmg = new Cmg(
      "cmg",
      {
        siteServer,
        siteCode: site.siteCode,
        siteServerFqdn: site.fqdn,
        serviceFqdn: cmgCert.serviceFqdn,
        region: cmgRegionValue,
        instances: config.cmg.instances,
        vmSize: config.cmg.vmSize,
        subscriptionId: cmgAccess.subscriptionId,
        groupName: cmgAccess.cmgResourceGroupName,
        serverAppClientId: entra.serverAppClientId,
        tenantId: entra.tenantId,
        pfxPath: cmgCert.pfxPath,
        pfxPassword: cmgCert.pfxPassword,
        runAs: domainAdmin,
        tags: cmgStep.tags,
      },
      { parent: cmgStep },
    );
    const cpStep = scopes.get("cmg-connection-point");
    const connectionPoint = new CmgConnectionPoint(
      "cmg",
      {
        dc,
        domainFqdn: config.domain.fqdn,
        siteServer,
        siteCode: site.siteCode,
        siteServerFqdn: site.fqdn,
        serviceFqdn: cmg.serviceFqdn,
        runAs: domainAdmin,
        tags: cpStep.tags,
      },
      { parent: cpStep },
    );
    // Needs only azure-services; placed here on CM01's queue so the CMG deployment does not wait
    // for Azure AD discovery's first run. It runs while the clients install their agents.
    const aadDiscoveryStep = scopes.get("aad-user-discovery");
    new AadUserDiscovery("site", { vm: siteServer, siteCode: site.siteCode, runAs: domainAdmin, tags: aadDiscoveryStep.tags }, { parent: aadDiscoveryStep });
    const agentStep = scopes.get("client-agent");
    clients.forEach(
      (client, i) =>
        new ClientAgent(
          client.computerName.toLowerCase(),
          {
            vm: client,
            clientShareUnc: connectionPoint.clientShareUnc,
            cmgFqdn: cmg.serviceFqdn,
            siteCode: site.siteCode,
            tenantId: entra.tenantId,
            clientAppClientId: entra.clientAppClientId,
            serverAppIdentifierUri: entra.serverAppIdentifierUri,
            network: config.clients[i]?.network ?? "internet",
            siteServerFqdn: site.fqdn,
            ...(cmgCert.caCommonName ? { caCommonName: cmgCert.caCommonName } : {}),
            // The step already waits for clients and cmg-connection-point; named for the reader.
            after: [connectionPoint.ready, ...(members[i] ? [members[i].ready] : [])],
            tags: agentStep.tags,
          },
          { parent: agentStep },
        ),
    );
    const verifyStep = scopes.get("verify");
    const verify = new LabVerify(
      "verify",
      {
        siteServer,
        siteCode: site.siteCode,
        siteServerFqdn: site.fqdn,
        cmgFqdn: cmg.serviceFqdn,
        clients,
        intranetClients: config.clients.filter((c) => c.network === "intranet").map((c) => c.name),
        resourceGroupName: network.resourceGroupName,
        runAs: domainAdmin,
        tags: verifyStep.tags,
      },
      { parent: verifyStep },
    );
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
