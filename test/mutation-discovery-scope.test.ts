/**
 * The reference lab's first miss, pinned at the program layer: Active Directory User Discovery
 * must search exactly the users OU. A valid config is not enough; the program (components/lab.ts)
 * must hand the site-discovery run command the users OU's LDAP path and not another OU's. The
 * whole lab is evaluated under mocks and the parameters the run command sends are read back
 * (decoded as the script receives them). Expected paths are written here. The configs are hand
 * built (test/support/sample-config.ts), valid, and independent of the config loader.
 *
 * The second miss (the sync scope's OU list holding the clients' OU) is pinned the same way in
 * test/entra-connect.test.ts ("the OU list the program sends to the sync-scope step").
 */
import { describe, expect, it } from "vitest";
import { evaluateLab, type RecordedResource } from "../scripts/cli/offline/evaluate";
import { SCRIPT_TAG } from "../components/run-step";
import type { LabConfig } from "../stacks/config/lab-config";
import { RUN_COMMAND_TYPE } from "../stacks/model/durations";
import { sentParameters } from "./support/params";
import { sampleConfig } from "./support/sample-config";

const base = sampleConfig();

const cases: readonly { name: string; config: LabConfig; usersOuLdap: string; systemOusLdap: string }[] = [
  {
    name: "the default config",
    config: base,
    usersOuLdap: "LDAP://OU=LabUsers,DC=corp,DC=cmglab,DC=example",
    systemOusLdap: "LDAP://OU=Workstations,DC=corp,DC=cmglab,DC=example;LDAP://OU=Servers,DC=corp,DC=cmglab,DC=example",
  },
  {
    name: "a renamed users OU, listed first",
    config: sampleConfig({
      domain: { ...base.domain, ous: ["People", "Workstations", "Servers"], usersOu: "People" },
      sync: { ...base.sync, ous: ["Workstations", "People"] },
    }),
    usersOuLdap: "LDAP://OU=People,DC=corp,DC=cmglab,DC=example",
    systemOusLdap: "LDAP://OU=Workstations,DC=corp,DC=cmglab,DC=example;LDAP://OU=Servers,DC=corp,DC=cmglab,DC=example",
  },
  {
    name: "every OU renamed, in another domain",
    config: sampleConfig({
      domain: {
        ...base.domain,
        fqdn: "ad.fabrikam.test",
        netbiosName: "FAB",
        ous: ["Clients", "Members", "People"],
        workstationsOu: "Clients",
        serversOu: "Members",
        usersOu: "People",
      },
      sync: { ...base.sync, ous: ["People", "Clients"] },
    }),
    usersOuLdap: "LDAP://OU=People,DC=ad,DC=fabrikam,DC=test",
    systemOusLdap: "LDAP://OU=Clients,DC=ad,DC=fabrikam,DC=test;LDAP://OU=Members,DC=ad,DC=fabrikam,DC=test",
  },
];

const discoveryRunCommand = (resources: readonly RecordedResource[]): RecordedResource => {
  const found = resources.filter((r) => r.type === RUN_COMMAND_TYPE && (r.inputs.tags as Record<string, unknown>)[SCRIPT_TAG] === "site-discovery.ps1");
  expect(found.map((r) => [r.step, r.name])).toEqual([["ad-user-discovery", "site-ad-discovery-command"]]);
  return found[0] as RecordedResource;
};

describe("the OU the program sends to AD user discovery", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s: exactly the users OU's LDAP path", async (_name, c) => {
    const ev = await evaluateLab(c.config);
    const sent = sentParameters(discoveryRunCommand(ev.resources), "parameters");
    expect(sent.UsersOuLdap).toBe(c.usersOuLdap);
    expect(sent.SystemOusLdap).toBe(c.systemOusLdap);
    expect(sent.SiteCode).toBe("PS1");
  });
});
