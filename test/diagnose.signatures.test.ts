import { describe, expect, it } from "vitest";
import { diagnoseText, diagnoseTextDetailed, matchLine } from "../stacks/diagnose";
import { CONTRACT_STEP_IDS, isStepId, type StepId } from "../stacks/runbook";
import { SIGNATURES, signaturesForStep, validateSignatures, type Signature } from "../stacks/signatures";

/** Wraps a message the way ConfigMgr's CMTrace logs do. */
function cm(message: string, component = "LocationServices", type = 3): string {
  return `<![LOG[${message}]LOG]!><time="10:41:07.512+000" date="11-18-2024" component="${component}" context="" type="${type}" thread="4736 (0x1280)" file="">`;
}

interface Case {
  /** Real-looking variants (ids, hosts, codes vary); each must match this signature. */
  readonly positive: readonly string[];
  /** Step expected for every positive variant (default: the signature's step). */
  readonly step?: StepId;
}

const CASES: Record<string, Case> = {
  "cmg-token-unauthorized-request": {
    positive: [
      "Failed to get ConfigMgr token with Azure AD token. Status code is '403' and status description is 'CMGConnector_Un-authorizedrequest'.",
      "[CCMHTTP] ERROR INFO: StatusCode=403 StatusText=CMGConnector_Un-authorizedrequest",
      "Status code is '403' and status description is 'CMGConnector_Unauthorizedrequest'.",
    ],
  },
  "sts-user-not-completely-discovered": {
    positive: [
      "AAD user with ID 2f3e4d5c-6b7a-4899-aabb-ccddeeff0011 and SID S-1-5-21-3623811015-3361044348-30300820-1106 is not completely discovered",
      "AAD user with ID 00aa11bb-22cc-33dd-44ee-55ff66778899 and SID S-1-5-21-1004336348-1177238915-682003330-512 is not completely discovered.",
    ],
    step: "ad-user-discovery",
  },
  "cmg-invalid-token": {
    positive: [
      "[CCMHTTP] ERROR INFO: StatusCode=401 StatusText=CMGService_Invalid_Token",
      "Return code: 401, Description: PreAuth token validation failed, System.IdentityModel.Tokens.SecurityTokenExpiredException: IDX10223: Lifetime validation failed. The token is expired.",
    ],
  },
  "mp-mise-token-validation": {
    positive: ["MISE12034: failed to retrieve the OpenID configuration for tenant 6c1f2e4a-1b2c-4d5e-8f90-1234567890ab"],
  },
  "cmg-client-certificate-required": {
    positive: [
      "[CCMHTTP] ERROR INFO: StatusCode= 403 StatusText= CMGConnector_Clientcertificaterequired",
      "Received response https://mp01.corp.cmglab.example/SMS_MP/.sms_aut?MPLIST2&PS1 for message 0a1b: HTTP/1.1 403 CMGConnector_Clientcertificaterequired",
    ],
  },
  "cmg-forbidden-iis-binding": {
    positive: ["[CCMHTTP] ERROR INFO: StatusCode= 403 StatusText= CMGConnector_Forbidden", "StatusCode=403 StatusText=CMGConnector_Forbidden"],
  },
  "ccm-no-client-pki-cert": {
    positive: [
      "[CCMHTTP] ERROR: URL=http://PS1SITE.corp.cmglab.example/SMS_MP/.sms_aut?SITESIGNCERT, Port=80, Options=1088, Code=0, Text=CCM_E_NO_CLIENT_PKI_CERT",
      "[CCMHTTP] ERROR: URL=https://cmg2.westeurope.cloudapp.azure.com/downloadrestservice.svc/getcontentxmlsecure?pid=PS100052&cid=PS100052, Port=0, Options=224, Code=0, Text=CCM_E_NO_CLIENT_PKI_CERT",
    ],
  },
  "ccm-get-directory-list-87d00454": {
    positive: ["GetDirectoryList failed with a non-recoverable failure, 0x87d00454", "HRESULT = \"0x87D00454\";"],
  },
  "ccmhttp-post-failed-87d00231": {
    positive: [
      "Post to http://PS1SITE.corp.cmglab.example/CCM_Proxy_MutualAuth/72057594037927941/ccm_system/request failed with 0x87d00231.",
      "Failed to send registration request message. Error: 0x87D00231",
    ],
  },
  "ccmhttp-mutualauth-code-87": {
    positive: [
      "[CCMHTTP] ERROR: URL=http://PS1SITE.corp.cmglab.example/CCM_Proxy_MutualAuth/72057594037927941/ccm_system/request, Port=80, Options=1088, Code=87, Text=CCM_E_NO_CLIENT_PKI_CERT",
      "[CCMHTTP] ERROR: URL=https://cmglab-dev.westeurope.cloudapp.azure.com/CCM_Proxy_MutualAuth/72057594037928017/ccm_system_tokenauth/request, Port=443, Options=1, Code=87, Text=CCM_E_BAD_HTTP_STATUS_CODE",
    ],
  },
  "winhttp-secure-failure": {
    positive: [
      "[CCMHTTP] ERROR: URL=https://CMG.CONTOSO.COM/CCM_Proxy_ServerAuth/72057594037928017/CCM_STS, Port=443, Options=63, Code=12175, Text=ERROR_WINHTTP_SECURE_FAILURE",
      "[CCMHTTP] AsyncCallback(): WINHTTP_CALLBACK_STATUS_SECURE_FAILURE Encountered",
    ],
  },
  "winhttp-invalid-ca": { positive: ["[CCMHTTP]            : WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA is set"] },
  "winhttp-cert-cn-invalid": { positive: ["[CCMHTTP] : WINHTTP_CALLBACK_STATUS_FLAG_CERT_CN_INVALID is set"] },
  "winhttp-cert-rev-failed": { positive: ["[CCMHTTP] : WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED is set"] },
  "cmg-cp-forward-http-error": {
    positive: [
      "Web exception for message 7c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f: System.Net.WebException: The remote server returned an error: (403) Forbidden.",
      "Web exception for message {0A1B2C3D-0000-1111-2222-333344445555}: System.Net.WebException: The remote server returned an error: (500) Internal Server Error.",
    ],
  },
  "cmg-cp-connection-failed": {
    positive: [
      "ERROR: Failed to build Tcp connection 41320a1b-5250-4f4f-b95a-0fccac4ef817 with server CMGLAB.CLOUDAPP.NET:10141. Exception: System.Net.WebException: TCP CONNECTION: Failed to authenticate with proxy server",
      "ERROR: Failed to build Http connection 0f9e8d7c-6b5a-4938-2716-05f4e3d2c1b0 with server cmglab-dev.westeurope.cloudapp.azure.com:443.",
    ],
  },
  "azure-authorization-failed": {
    positive: [
      "The client '0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e' with object id '9a8b7c6d-5e4f-3a2b-1c0d-e9f8a7b6c5d4' does not have authorization to perform action 'Microsoft.Compute/virtualMachineScaleSets/write' over scope '/subscriptions/1111/resourceGroups/cmglab'.",
      "Code: AuthorizationFailed",
      "error: Code=\"LinkedAuthorizationFailed\" Message=\"The client has permission to perform action 'Microsoft.Network/publicIPAddresses/join/action'\"",
    ],
  },
  "azure-provider-not-registered": {
    positive: [
      "Code: MissingSubscriptionRegistration Message: The subscription is not registered to use namespace 'Microsoft.KeyVault'.",
      "Code: NoRegisteredProviderFound Message: No registered resource provider found for location 'westeurope' and API version '2023-09-01' for type 'virtualMachineScaleSets'.",
    ],
  },
  "certificate-chain-incomplete": {
    positive: [
      "One or more intermediate certificates in the certificate chain are missing. To resolve this issue, make sure that all of the intermediate certificates are installed. For more information, see http://support.microsoft.com/kb/954755",
      "one or more certificates in the certificate chain are missing (KB954755)",
    ],
  },
  "entra-consent-missing": {
    positive: ["AADSTS65001: The user or administrator has not consented to use the application with ID '0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e' named 'CM-Client'."],
  },
  "entra-client-secret-invalid": {
    positive: [
      "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.",
      "AADSTS7000222: The provided client secret keys for app '0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e' are expired.",
    ],
  },
  "dsreg-device-object-not-found": {
    positive: [
      "            Server Message : The device object by the given id (4b9d5c0e-8f7a-4c3b-9e21-0d6f5a7b8c9d) is not found.",
      "Server Message: The device object by the given id (aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb) isn't found.",
      "The device object by the given ID is not found.",
    ],
  },
  "dsreg-target-sid-verification": {
    positive: ["Server Message : The verification of the target computer's SID failed."],
  },
  "dsreg-directory-failure": {
    positive: ["          Client ErrorCode : 0x801c03f2", "Error: DSREG_E_DIRECTORY_FAILURE (0x801C03F2/-2145647630)"],
  },
  "dsreg-tenant-not-found": {
    positive: [
      "Server Message : AADSTS90002: Tenant '6c1f2e4a-1b2c-4d5e-8f90-1234567890ab' not found. This may happen if there are no active subscriptions for the tenant.",
      "DRS Discovery Test : FAIL [0x801c003a/0x0]",
    ],
  },
  "dsreg-scp-read-failed": {
    positive: [
      "Automatic registration failed at join phase. Exit code: DSREG_AUTOJOIN_ADCONFIG_READ_FAILED",
      "     AD Configuration Test : FAIL [0x801c001d]",
      "Error code: -2145648611",
    ],
  },
  "dsreg-ad-configuration-test-failed": { positive: ["     AD Configuration Test : FAIL", "AD Configuration Test : FAIL [0x0]"] },
  "dsreg-discovery-failed": {
    positive: ["        DRS Discovery Test : FAIL [0x801c0021/0x80072ee2]", "Error: DSREG_AUTOJOIN_DISC_WAIT_TIMEOUT (0x801c001f)", "0x801C003D"],
  },
  "dsreg-azure-ad-joined-no": { positive: ["             AzureAdJoined : NO", "AzureAdJoined: NO", "AzureAdJoined : NO\r"] },
  "dsreg-domain-joined-no": { positive: ["              DomainJoined : NO"] },
  "adsync-permission-issue": {
    positive: [
      "Error Type : permission-issue",
      "8344 Insufficient access rights to perform the operation.",
      "00002098: SecErr: DSID-03150F94, problem 4003 (INSUFF_ACCESS_RIGHTS), data 0",
    ],
  },
  "adsync-run-stopped": {
    positive: ["Result : stopped-server-down", "The run profile Delta Import returned stopped-extension-dll-exception", "stopped-bad-server-credentials"],
  },
};

/** Similar but harmless lines: none may match any signature. */
const HARMLESS = [
  "             AzureAdJoined : YES",
  "              DomainJoined : YES",
  "     AD Configuration Test : PASS",
  "        DRS Discovery Test : PASS",
  "          Client ErrorCode : 0x0",
  "Successfully got ConfigMgr token with Azure AD token.",
  "Created SCCM token for user 2f3e4d5c-6b7a-4899-aabb-ccddeeff0011, token will expire at 11/18/2024 18:41:07",
  "Validated AAD token. TenantId: 6c1f2e4a-1b2c-4d5e-8f90-1234567890ab; UserId: 2f3e4d5c-6b7a-4899-aabb-ccddeeff0011",
  "[CCMHTTP] OK: URL=https://CMG.CORP.EXAMPLE/CCM_Proxy_MutualAuth/72057594037927941/SMS_MP/.sms_aut?MPLIST, Port=443, Options=480, Code=0, Text=CCM_E_NO_ERROR",
  "[CCMHTTP] ERROR INFO: StatusCode=200 StatusText=OK",
  "[CCMHTTP] AsyncCallback(): WINHTTP_CALLBACK_STATUS_SENDREQUEST_COMPLETE Encountered",
  "Filtered cert count with client auth: 1",
  "Received response https://mp01/SMS_MP/.sms_aut?MPLIST for message 0a1b: HTTP/1.1 200 OK",
  "Result : success",
  "Result : completed-no-objects",
  "The Microsoft Azure AD Sync service stopped.",
  "Checking permissions on OU=Workstations,DC=corp,DC=cmglab,DC=example",
  "Registered resource provider Microsoft.KeyVault on subscription 1111",
  "Role assignment created: Contributor on /subscriptions/1111/resourceGroups/cmglab",
  "AAD user with ID 2f3e4d5c-6b7a-4899-aabb-ccddeeff0011 and SID S-1-5-21-1-2-3-1106 is discovered",
  "CMGConnector_Unauthorizedd user agent", // no 'request'
  "The certificate chain was built successfully.",
  "Post to http://PS1SITE.corp.cmglab.example/ccm_system/request succeeded.",
  "AADSTS50058: A silent sign-in request was sent but no user is signed in.",
  "Code=870, Text=CCM_E_NO_ERROR",
];

describe("signature table", () => {
  it("is sound (ids, steps, hints, sentences, sources)", () => {
    expect(validateSignatures()).toEqual([]);
  });

  it("catches its own mistakes (control case)", () => {
    const base = SIGNATURES[0] as Signature;
    const broken: Signature[] = [
      base,
      { ...base, pattern: /x/g, hints: ["Upper"], confirmed: true, source: "a blog", cause: "short", fix: "no full stop here at all" },
    ];
    const problems = validateSignatures(broken);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("appears twice"),
        expect.stringContaining("g or y flag"),
        expect.stringContaining("lower case"),
        expect.stringContaining("Microsoft documentation URL"),
        expect.stringContaining("cause is too short"),
        expect.stringContaining("fix should be one sentence"),
      ]),
    );
  });

  it("every signature belongs to a runbook step and has test cases", () => {
    for (const s of SIGNATURES) {
      expect(isStepId(s.step), s.id).toBe(true);
      expect(CASES[s.id], `no test cases for ${s.id}`).toBeDefined();
    }
    expect(Object.keys(CASES).sort()).toEqual(SIGNATURES.map((s) => s.id).sort());
  });

  it("covers the symptoms the runbook names", () => {
    const steps = new Set(SIGNATURES.map((s) => s.step));
    for (const step of [
      "ad-user-discovery",
      "enhanced-http",
      "sync-scope",
      "hybrid-join-scp",
      "cmg-certificate",
      "cmg-azure-access",
      "cmg-connection-point",
      "entra-connect",
    ] as const) {
      expect(steps.has(step), step).toBe(true);
      expect(signaturesForStep(step).length).toBeGreaterThan(0);
    }
    expect(CONTRACT_STEP_IDS).toContain("ad-user-discovery");
  });
});

describe.each(SIGNATURES.map((s) => [s.id, s] as const))("signature %s", (id, signature) => {
  const cases = CASES[id];
  const expectedStep = cases?.step ?? signature.step;
  it.each((cases?.positive ?? []).map((p) => [p]))("matches plain: %s", (variant) => {
    const ids = matchLine(variant).map((m) => m.signature.id);
    expect(ids).toContain(id);
    expect(matchLine(variant).find((m) => m.signature.id === id)?.step).toBe(expectedStep);
  });
  it.each((cases?.positive ?? []).map((p) => [p]))("matches inside a CMTrace record: %s", (variant) => {
    const findings = diagnoseTextDetailed(`noise line\n${cm(variant.trim())}\n`);
    const all = [...findings.findings, ...findings.superseded];
    const f = all.find((x) => x.signature === id);
    expect(f, `no ${id} finding`).toBeDefined();
    expect(f?.step).toBe(expectedStep);
    expect(f?.lineNumber).toBe(2);
    expect(f?.line).toBe(variant.trim());
    expect(f?.cause).toBe(signature.cause);
    expect(f?.fix).toBe(signature.fix);
  });
});

describe("harmless lines", () => {
  it.each(HARMLESS.map((h) => [h]))("%s matches nothing", (line) => {
    expect(matchLine(line).map((m) => m.signature.id)).toEqual([]);
    expect(diagnoseText(cm(line, "CcmMessaging", 1))).toEqual([]);
  });

  it("a clean log gives no finding", () => {
    expect(diagnoseText(HARMLESS.join("\r\n"))).toEqual([]);
  });
});

describe("which discovery is missing (sts-user-not-completely-discovered)", () => {
  const base = "AAD user with ID 2f3e4d5c-6b7a-4899-aabb-ccddeeff0011 and SID S-1-5-21-1-2-3-1106 is not completely discovered";
  it.each([
    [base, "ad-user-discovery"],
    [`${base}. Run Active Directory user discovery.`, "ad-user-discovery"],
    [`${base}: missing from Azure AD user discovery.`, "aad-user-discovery"],
    [`${base}; check Entra ID user discovery`, "aad-user-discovery"],
    [`${base}; run both AD user discovery and AAD user discovery`, "ad-user-discovery"],
  ] as const)("%s -> %s", (line, step) => {
    expect(diagnoseText(line).map((f) => f.step)).toEqual([step]);
  });
});

describe("weak evidence and precedence", () => {
  it("AzureAdJoined NO alone is reported", () => {
    const d = diagnoseTextDetailed("AzureAdJoined : NO\nDomainJoined : YES\n");
    expect(d.findings.map((f) => [f.signature, f.step, f.weak])).toEqual([["dsreg-azure-ad-joined-no", "sync-scope", true]]);
    expect(d.superseded).toEqual([]);
  });

  it("a specific finding in the same input wins over AzureAdJoined NO", () => {
    const text = [
      "AzureAdJoined : NO",
      "     AD Configuration Test : FAIL [0x801c001d]",
      "Client ErrorCode : 0x801c03f2",
      "Server Message : AADSTS90002: Tenant 6c1f2e4a-1b2c-4d5e-8f90-1234567890ab not found.",
    ].join("\r\n");
    const d = diagnoseTextDetailed(text, { file: "dsreg.txt" });
    expect(d.findings.map((f) => [f.signature, f.lineNumber]).sort()).toEqual([
      ["dsreg-ad-configuration-test-failed", 2],
      ["dsreg-scp-read-failed", 2],
      ["dsreg-tenant-not-found", 4],
    ]);
    expect(d.findings.every((f) => f.step === "hybrid-join-scp")).toBe(true);
    expect(d.superseded.map((f) => f.signature).sort()).toEqual(["dsreg-azure-ad-joined-no", "dsreg-directory-failure"]);
  });

  it("precedence stays within a group: a CMG finding does not hide AzureAdJoined NO", () => {
    const d = diagnoseTextDetailed("AzureAdJoined : NO\nStatusCode=403 StatusText=CMGConnector_Forbidden\n");
    expect(d.findings.map((f) => f.signature).sort()).toEqual(["cmg-forbidden-iis-binding", "dsreg-azure-ad-joined-no"]);
  });

  it("precedence is per input: diagnosing two texts separately keeps both", () => {
    const a = diagnoseTextDetailed("AzureAdJoined : NO\n", { file: "a" });
    const b = diagnoseTextDetailed("Server Message : The device object by the given id (x) is not found.\n", { file: "b" });
    expect(a.findings).toHaveLength(1);
    expect(b.findings).toHaveLength(1);
  });
});

describe("dedupe", () => {
  it("reports a repeated error once per input, with a count and the first line", () => {
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) {
      lines.push(cm(`Post to http://mp${i % 3}.corp/CCM_Proxy_MutualAuth/7205/ccm_system/request failed with 0x87d00231.`, "CcmMessaging"));
      lines.push(cm("[CCMHTTP] ERROR: URL=http://mp.corp/SMS_MP/.sms_aut?SITESIGNCERT, Port=80, Code=0, Text=CCM_E_NO_CLIENT_PKI_CERT", "CcmMessaging"));
    }
    const d = diagnoseTextDetailed(lines.join("\n"), { file: "CcmMessaging.log" });
    expect(d.findings).toHaveLength(1);
    expect(d.findings[0]).toMatchObject({ signature: "ccm-no-client-pki-cert", count: 300, lineNumber: 2, file: "CcmMessaging.log" });
    expect(d.superseded[0]).toMatchObject({ signature: "ccmhttp-post-failed-87d00231", count: 300, lineNumber: 1 });
    expect(d.superseded[0]?.line).toContain("mp0.corp");
  });
});
