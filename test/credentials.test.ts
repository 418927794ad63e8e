import { describe, expect, it } from "vitest";
import { CREDENTIAL_SOURCES, findCredentials, renderCredentials } from "../scripts/cli/credentials";
import { evaluateLab } from "../scripts/cli/offline/evaluate";
import { sampleConfig } from "./support/sample-config";

const SIG = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };
const secret = (v: string) => ({ ...SIG, plaintext: JSON.stringify(v) });
const step = "urn:pulumi:dev::cmg-lab::cmg-lab:lab:Lab$cmg-lab:runbook:Step";

const exported = (setupPassword: unknown) => ({
  version: 3,
  deployment: {
    resources: [
      { urn: "urn:pulumi:dev::cmg-lab::pulumi:pulumi:Stack::cmg-lab-dev", type: "pulumi:pulumi:Stack", outputs: { demoUsers: ["labuser01@contoso.onmicrosoft.com"] } },
      { urn: `${step}$cmg-lab:identity:LabCredentials$random:index/randomPassword:RandomPassword::admin-admin-password`, type: "random:index/randomPassword:RandomPassword", outputs: { result: secret("Admin-Pw-1!") } },
      { urn: `${step}$cmg-lab:vm:WindowsVm$azure-native:compute:VirtualMachine::dc01-vm`, type: "azure-native:compute:VirtualMachine", inputs: { osProfile: { adminUsername: "labadmin" } } },
      { urn: `${step}$cmg-lab:ad:AdDirectory$random:index/randomPassword:RandomPassword::ad-demo-user-password`, type: "random:index/randomPassword:RandomPassword", outputs: { result: secret("Demo-Pw-1!") } },
      { urn: `${step}$cmg-lab:entra:EntraApps$azuread:index/user:User::configmgr-connect-setup-user`, type: "azuread:index/user:User", outputs: { userPrincipalName: "connect-cmglab-dev@contoso.onmicrosoft.com" } },
      { urn: `${step}$cmg-lab:entra:EntraApps$random:index/randomPassword:RandomPassword::configmgr-connect-setup-password`, type: "random:index/randomPassword:RandomPassword", outputs: { result: setupPassword } },
    ],
  },
});

describe("npm run credentials", () => {
  it("reads every generated credential from a --show-secrets export", () => {
    const found = findCredentials(exported(secret("Setup-Pw-1!")));
    expect(found).toEqual({
      admin: { user: "labadmin", password: "Admin-Pw-1!" },
      demoUsers: { users: ["labuser01@contoso.onmicrosoft.com"], password: "Demo-Pw-1!" },
      connectSetup: { upn: "connect-cmglab-dev@contoso.onmicrosoft.com", password: "Setup-Pw-1!" },
    });
    expect(renderCredentials(found)).toContain("Setup-Pw-1!");
  });

  it("says what to do when the secrets are encrypted or nothing exists yet", () => {
    expect(() => findCredentials(exported({ ...SIG, ciphertext: "v1:abc" }))).toThrow(/--show-secrets/);
    expect(renderCredentials(findCredentials({ deployment: { resources: [] } }))).toMatch(/run pulumi up first/);
  });

  it("matches the resources the real program creates", async () => {
    const ev = await evaluateLab(sampleConfig());
    for (const [key, src] of Object.entries(CREDENTIAL_SOURCES)) {
      expect(ev.resources.filter((r) => r.type === src.type && r.urn.endsWith(src.suffix)), key).toHaveLength(1);
    }
  });
});
