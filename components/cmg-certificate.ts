import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { cmgPrefix, cmgServiceFqdn, CMG_SUFFIX_LENGTH } from "../stacks/model/cmg-names";
import type { CmgCertificateConfig } from "../stacks/config/lab-config";
import { RunStep } from "./run-step";
import type { WindowsVm } from "./windows-vm";

/** Where the CMG PFX lives on the site server. */
export const CMG_PFX_PATH = "C:\\ProgramData\\CmgLab\\cmg.pfx";

export interface CmgCertificateArgs {
  /** Optional. Lane of this work on the site server (WindowsVm.sequence): runs beside other lanes; exclusive when absent. */
  readonly siteServerLane?: string;
  /** Required. `lab-ca` (default) or a supplied PFX (checked at plan time by stacks/config/pfx-check.ts). */
  readonly certificate: CmgCertificateConfig;
  /** Required. `cmg.name`: the CMG prefix before the per-deployment suffix. */
  readonly cmgName: string;
  /** Required. Azure location of the CMG (part of its deployment name). */
  readonly location: string;
  /** Required. The domain controller, which hosts the lab CA (lab-ca mode). */
  readonly dc: WindowsVm;
  /** Required. The site server: the PFX is made (or placed) there. */
  readonly siteServer: WindowsVm;
  /** Required. AD domain DNS name (for the CA's config string). */
  readonly domainFqdn: string;
  /** Required. Common name of the lab's enterprise root CA. */
  readonly caCommonName: string;
  /** Required. The domain admin: installs the enterprise CA and enrolls (Domain Admins may enroll from Web Server). */
  readonly runAs: { readonly user: pulumi.Input<string>; readonly password: pulumi.Input<string> };
  /** Required. `schedule.expiresOn`: the certificate must be valid until then. */
  readonly expiresOn: string;
  /** Required. Project directory, to read a supplied PFX. */
  readonly projectDir: string;
  /** Optional. Resources the site-server side waits for (beyond the VM's previous run command). */
  readonly after?: readonly pulumi.Resource[];
  /** Required. Tags. */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The CMG server-authentication certificate and the CMG's names.
 *
 * lab-ca: an enterprise root CA on the DC (AD publishes it, so domain members trust it), a
 * certificate for `<cmg.name><suffix>.<region>.cloudapp.azure.com` requested on the site server
 * from the Web Server template and exported there with its chain and a generated password: the
 * private key never crosses Pulumi. The suffix (random.RandomString, in state: stable across
 * `pulumi up`, new after `pulumi destroy`) keeps a rebuild clear of the soft-deleted key vault
 * the previous CMG left behind (stacks/model/cmg-names.ts).
 *
 * pfx: the supplied file is sent to the site server as a protected parameter; its name is
 * exactly `<cmg.name>.<region>.cloudapp.azure.com` (no suffix: the certificate fixes the name).
 */
export class CmgCertificate extends pulumi.ComponentResource {
  /** CMG prefix (deployment name's first label; names its key vault). */
  public readonly cmgPrefix: pulumi.Output<string>;
  /** CMG service name = deployment name, the certificate's CN. */
  public readonly serviceFqdn: pulumi.Output<string>;
  /** Path of the PFX on the site server. */
  public readonly pfxPath: string;
  /** The PFX password (secret). */
  public readonly pfxPassword: pulumi.Output<string>;
  /** The lab CA's common name (clients must trust it), or undefined for a supplied PFX. */
  public readonly caCommonName: string | undefined;
  /** Done when the PFX is on the site server. */
  public readonly ready: pulumi.Resource;

  constructor(name: string, args: CmgCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmg-lab:cmg:CmgCertificate", name, {}, opts);
    this.pfxPath = CMG_PFX_PATH;
    const cert = args.certificate;
    if (cert.kind === "pfx") {
      const bytes = fs.readFileSync(path.resolve(args.projectDir, cert.pfxFile));
      this.cmgPrefix = pulumi.output(args.cmgName);
      this.serviceFqdn = pulumi.output(cmgServiceFqdn(args.cmgName, args.location));
      this.pfxPassword = pulumi.secret(cert.pfxPassword);
      this.caCommonName = undefined;
      const place = new RunStep(
        `${name}-import`,
        {
          vm: args.siteServer,
          script: "cmg-certificate-import.ps1",
          parameters: { PfxPath: CMG_PFX_PATH },
          protectedParameters: { CmgPfxBase64: pulumi.secret(bytes.toString("base64")), PfxPassword: this.pfxPassword },
          timeoutMinutes: 5,
          ...(args.after ? { after: args.after } : {}),
          tags: args.tags,
          lane: args.siteServerLane,
        },
        { parent: this },
      );
      this.ready = place.command;
    } else {
      const suffix = new random.RandomString(
        `${name}-suffix`,
        { length: CMG_SUFFIX_LENGTH, lower: true, upper: false, numeric: true, special: false },
        { parent: this },
      );
      const password = new random.RandomPassword(`${name}-pfx-password`, { length: 32, special: false }, { parent: this });
      this.cmgPrefix = suffix.result.apply((s) => cmgPrefix(args.cmgName, s));
      this.serviceFqdn = this.cmgPrefix.apply((p) => cmgServiceFqdn(p, args.location));
      this.pfxPassword = pulumi.secret(password.result);
      this.caCommonName = args.caCommonName;
      const ca = new RunStep(
        `${name}-ca`,
        {
          vm: args.dc,
          script: "cmg-ca-install.ps1",
          parameters: { CaCommonName: args.caCommonName, ValidityYears: "5", WaitMinutes: "10" },
          runAs: args.runAs,
          timeoutMinutes: 20,
          tags: args.tags,
        },
        { parent: this },
      );
      const enroll = new RunStep(
        `${name}-enroll`,
        {
          vm: args.siteServer,
          script: "cmg-certificate-enroll.ps1",
          parameters: {
            ServiceFqdn: this.serviceFqdn,
            CaConfig: `${args.dc.computerName}.${args.domainFqdn}\\${args.caCommonName}`,
            CaCommonName: args.caCommonName,
            PfxPath: CMG_PFX_PATH,
            ExpiresOn: args.expiresOn,
          },
          protectedParameters: { PfxPassword: this.pfxPassword },
          runAs: args.runAs,
          timeoutMinutes: 10,
          after: [ca.command, ...(args.after ?? [])],
          tags: args.tags,
          lane: args.siteServerLane,
        },
        { parent: this },
      );
      this.ready = enroll.command;
    }
    this.registerOutputs({ cmgPrefix: this.cmgPrefix, serviceFqdn: this.serviceFqdn });
  }
}
