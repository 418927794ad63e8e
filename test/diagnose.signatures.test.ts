import { describe, expect, it } from "vitest";
import { CONTEXT_SNIFF_RECORDS, diagnoseText, diagnoseTextDetailed, matchLine } from "../stacks/diagnosis/diagnose";
import { CONTRACT_STEP_IDS, isStepId, type StepId } from "../stacks/model/runbook";
import { SIGNATURES, signaturesForStep, validateSignatures, type Signature } from "../stacks/diagnosis/signatures";

/** Wraps a message the way ConfigMgr's CMTrace logs do. */
function cm(message: string, component = "LocationServices", type = 3): string {
  return `<![LOG[${message}]LOG]!><time="10:41:07.512+000" date="11-18-2024" component="${component}" context="" type="${type}" thread="4736 (0x1280)" file="">`;
}

interface Case {
  /** Real-looking variants (ids, hosts, codes vary); each must match this signature. */
  readonly positive: readonly string[];
  /**
   * Step expected for every positive variant, written here by hand: never read from the table,
   * so remapping a signature to another step fails this suite.
   */
  readonly step: StepId;
}

const CASES: Record<string, Case> = {
  "cmg-token-unauthorized-request": { step: "ad-user-discovery",
    positive: [
      "Failed to get ConfigMgr token with Azure AD token. Status code is '403' and status description is 'CMGConnector_Un-authorizedrequest'.",
      "[CCMHTTP] ERROR INFO: StatusCode=403 StatusText=CMGConnector_Un-authorizedrequest",
      "Status code is '403' and status description is 'CMGConnector_Unauthorizedrequest'.",
    ],
  },
  "sts-user-not-completely-discovered": {
    step: "ad-user-discovery",
    positive: [
      "AAD user with ID 2f3e4d5c-6b7a-4899-aabb-ccddeeff0011 and SID S-1-5-21-3623811015-3361044348-30300820-1106 is not completely discovered",
      "AAD user with ID 00aa11bb-22cc-33dd-44ee-55ff66778899 and SID S-1-5-21-1004336348-1177238915-682003330-512 is not completely discovered.",
    ],
  },
  // The verdict of scripts/vm/check-user-discovery.ps1 (lines 90, 91, 98, 102, 131 and the trap's
  // line 37); test/diagnose.user-discovery.test.ts builds it from the script's quoted format strings.
  "check-user-discovery-missed-ad": {
    step: "ad-user-discovery",
    positive: [
      'missed step: ad-user-discovery (Active Directory user discovery left SID empty: CCM_STS.log says the AAD user "is not completely discovered" and the CMG token request fails (CMGConnector_Un-authorizedrequest); see adusrdis.log)',
      "check-user-discovery failed: no ConfigMgr user record matching '*' has the both side of discovery after 30 minutes; missed step: ad-user-discovery (Active Directory user discovery left SID empty: CCM_STS.log says the AAD user \"is not completely discovered\" and the CMG token request fails (CMGConnector_Un-authorizedrequest); see adusrdis.log)",
    ],
  },
  "check-user-discovery-missed-aad": {
    step: "aad-user-discovery",
    positive: [
      "missed step: aad-user-discovery (Azure AD user discovery left AADUserID empty: the user record has no Entra object id; see SMS_AZUREAD_DISCOVERY_AGENT.log)",
      "check-user-discovery failed: no ConfigMgr user record matching 'alice' has the entra side of discovery after 30 minutes; missed step: aad-user-discovery (Azure AD user discovery left AADUserID empty: the user record has no Entra object id; see SMS_AZUREAD_DISCOVERY_AGENT.log)",
      'missed steps: ad-user-discovery (Active Directory user discovery left SID empty: CCM_STS.log says the AAD user "is not completely discovered" and the CMG token request fails (CMGConnector_Un-authorizedrequest); see adusrdis.log); aad-user-discovery (Azure AD user discovery left AADUserID empty: the user record has no Entra object id; see SMS_AZUREAD_DISCOVERY_AGENT.log)',
    ],
  },
  "cmg-invalid-token": { step: "client-agent",
    positive: [
      "[CCMHTTP] ERROR INFO: StatusCode=401 StatusText=CMGService_Invalid_Token",
      "Return code: 401, Description: PreAuth token validation failed, System.IdentityModel.Tokens.SecurityTokenExpiredException: IDX10223: Lifetime validation failed. The token is expired.",
    ],
  },
  "mp-mise-token-validation": { step: "network",
    positive: ["MISE12034: failed to retrieve the OpenID configuration for tenant 6c1f2e4a-1b2c-4d5e-8f90-1234567890ab"],
  },
  "cmg-client-certificate-required": { step: "enhanced-http",
    positive: [
      "[CCMHTTP] ERROR INFO: StatusCode= 403 StatusText= CMGConnector_Clientcertificaterequired",
      "Received response https://mp01.corp.cmglab.example/SMS_MP/.sms_aut?MPLIST2&PS1 for message 0a1b: HTTP/1.1 403 CMGConnector_Clientcertificaterequired",
    ],
  },
  "cmg-forbidden-iis-binding": { step: "enhanced-http",
    positive: ["[CCMHTTP] ERROR INFO: StatusCode= 403 StatusText= CMGConnector_Forbidden", "StatusCode=403 StatusText=CMGConnector_Forbidden"],
  },
  "ccm-no-client-pki-cert": { step: "enhanced-http",
    positive: [
      "[CCMHTTP] ERROR: URL=http://PS1SITE.corp.cmglab.example/SMS_MP/.sms_aut?SITESIGNCERT, Port=80, Options=1088, Code=0, Text=CCM_E_NO_CLIENT_PKI_CERT",
      "[CCMHTTP] ERROR: URL=https://cmg2.westeurope.cloudapp.azure.com/downloadrestservice.svc/getcontentxmlsecure?pid=PS100052&cid=PS100052, Port=0, Options=224, Code=0, Text=CCM_E_NO_CLIENT_PKI_CERT",
    ],
  },
  "ccm-get-directory-list-87d00454": { step: "enhanced-http",
    positive: ["GetDirectoryList failed with a non-recoverable failure, 0x87d00454", "HRESULT = \"0x87D00454\";"],
  },
  "ccmhttp-post-failed-87d00231": { step: "enhanced-http",
    positive: [
      "Post to http://PS1SITE.corp.cmglab.example/CCM_Proxy_MutualAuth/72057594037927941/ccm_system/request failed with 0x87d00231.",
      "Failed to send registration request message. Error: 0x87D00231",
    ],
  },
  "ccmhttp-mutualauth-code-87": { step: "enhanced-http",
    positive: [
      "[CCMHTTP] ERROR: URL=http://PS1SITE.corp.cmglab.example/CCM_Proxy_MutualAuth/72057594037927941/ccm_system/request, Port=80, Options=1088, Code=87, Text=CCM_E_NO_CLIENT_PKI_CERT",
      "[CCMHTTP] ERROR: URL=https://cmglab-dev.westeurope.cloudapp.azure.com/CCM_Proxy_MutualAuth/72057594037928017/ccm_system_tokenauth/request, Port=443, Options=1, Code=87, Text=CCM_E_BAD_HTTP_STATUS_CODE",
    ],
  },
  "winhttp-secure-failure": { step: "cmg-certificate",
    positive: [
      "[CCMHTTP] ERROR: URL=https://CMG.CONTOSO.COM/CCM_Proxy_ServerAuth/72057594037928017/CCM_STS, Port=443, Options=63, Code=12175, Text=ERROR_WINHTTP_SECURE_FAILURE",
      "[CCMHTTP] AsyncCallback(): WINHTTP_CALLBACK_STATUS_SECURE_FAILURE Encountered",
    ],
  },
  "winhttp-invalid-ca": { step: "cmg-certificate", positive: ["[CCMHTTP]            : WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA is set"] },
  "winhttp-cert-cn-invalid": { step: "cmg-certificate", positive: ["[CCMHTTP] : WINHTTP_CALLBACK_STATUS_FLAG_CERT_CN_INVALID is set"] },
  "winhttp-cert-rev-failed": { step: "client-agent", positive: ["[CCMHTTP] : WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED is set"] },
  "cmg-cp-forward-http-error": { step: "cmg-connection-point",
    positive: [
      "Web exception for message 7c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f: System.Net.WebException: The remote server returned an error: (403) Forbidden.",
      "Web exception for message {0A1B2C3D-0000-1111-2222-333344445555}: System.Net.WebException: The remote server returned an error: (500) Internal Server Error.",
    ],
  },
  "cmg-cp-connection-failed": { step: "network",
    positive: [
      "ERROR: Failed to build Tcp connection 41320a1b-5250-4f4f-b95a-0fccac4ef817 with server CMGLAB.CLOUDAPP.NET:10141. Exception: System.Net.WebException: TCP CONNECTION: Failed to authenticate with proxy server",
      "ERROR: Failed to build Http connection 0f9e8d7c-6b5a-4938-2716-05f4e3d2c1b0 with server cmglab-dev.westeurope.cloudapp.azure.com:443.",
    ],
  },
  "azure-authorization-failed": { step: "cmg-azure-access",
    positive: [
      "The client '0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e' with object id '9a8b7c6d-5e4f-3a2b-1c0d-e9f8a7b6c5d4' does not have authorization to perform action 'Microsoft.Compute/virtualMachineScaleSets/write' over scope '/subscriptions/1111/resourceGroups/cmglab'.",
      "Code: AuthorizationFailed",
      "error: Code=\"LinkedAuthorizationFailed\" Message=\"The client has permission to perform action 'Microsoft.Network/publicIPAddresses/join/action'\"",
    ],
  },
  "azure-provider-not-registered": { step: "cmg-azure-access",
    positive: [
      "Code: MissingSubscriptionRegistration Message: The subscription is not registered to use namespace 'Microsoft.KeyVault'.",
      "Code: NoRegisteredProviderFound Message: No registered resource provider found for location 'westeurope' and API version '2023-09-01' for type 'virtualMachineScaleSets'.",
    ],
  },
  "certificate-chain-incomplete": { step: "cmg-certificate",
    positive: [
      "One or more intermediate certificates in the certificate chain are missing. To resolve this issue, make sure that all of the intermediate certificates are installed. For more information, see http://support.microsoft.com/kb/954755",
      "one or more certificates in the certificate chain are missing (KB954755)",
    ],
  },
  "entra-consent-missing": { step: "entra-apps",
    positive: ["AADSTS65001: The user or administrator has not consented to use the application with ID '0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e' named 'CM-Client'."],
  },
  "entra-client-secret-invalid": { step: "entra-apps",
    positive: [
      "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.",
      "AADSTS7000222: The provided client secret keys for app '0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e' are expired.",
    ],
  },
  "dsreg-device-object-not-found": { step: "sync-scope",
    positive: [
      "            Server Message : The device object by the given id (4b9d5c0e-8f7a-4c3b-9e21-0d6f5a7b8c9d) is not found.",
      "Server Message: The device object by the given id (aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb) isn't found.",
      "The device object by the given ID is not found.",
    ],
  },
  "dsreg-target-sid-verification": { step: "sync-scope",
    positive: ["Server Message : The verification of the target computer's SID failed."],
  },
  "dsreg-directory-failure": { step: "sync-scope",
    positive: ["          Client ErrorCode : 0x801c03f2", "Error: DSREG_E_DIRECTORY_FAILURE (0x801C03F2/-2145647630)"],
  },
  "dsreg-tenant-not-found": { step: "hybrid-join-scp",
    positive: [
      "Server Message : AADSTS90002: Tenant '6c1f2e4a-1b2c-4d5e-8f90-1234567890ab' not found. This may happen if there are no active subscriptions for the tenant.",
      "DRS Discovery Test : FAIL [0x801c003a/0x0]",
    ],
  },
  // The hint of scripts/vm/lib/dsreg.ps1:59 as lab-verify-client.ps1 (lines 60, 132) and
  // wait-hybrid-join.ps1 (line 61) print it; test/diagnose.verify-tenant.test.ts quotes them.
  "verify-joined-other-tenant": { step: "hybrid-join-scp",
    positive: [
      "  evidence: likely: joined to another tenant than 72f988bf-86f1-41af-91ab-2d7cd011db47: the SCP's azureADId is wrong (step hybrid-join-scp)",
      "joined to another tenant than 72F988BF-86F1-41AF-91AB-2D7CD011DB47: the SCP's azureADId is wrong (step hybrid-join-scp)",
      "wait-hybrid-join failed: not hybrid joined after 60 minutes (AzureAdJoined=YES, DomainJoined=YES, TenantId=aaaabbbb-0000-cccc-1111-dddd2222eeee). Likely: joined to another tenant than 72f988bf-86f1-41af-91ab-2d7cd011db47: the SCP's azureADId is wrong (step hybrid-join-scp)",
    ],
  },
  "dsreg-scp-read-failed": { step: "hybrid-join-scp",
    positive: [
      "Automatic registration failed at join phase. Exit code: DSREG_AUTOJOIN_ADCONFIG_READ_FAILED",
      "     AD Configuration Test : FAIL [0x801c001d]",
      "Error code: -2145648611",
    ],
  },
  "dsreg-ad-configuration-test-failed": { step: "hybrid-join-scp", positive: ["     AD Configuration Test : FAIL", "AD Configuration Test : FAIL [0x0]"] },
  "dsreg-discovery-failed": { step: "network",
    positive: ["        DRS Discovery Test : FAIL [0x801c0021/0x80072ee2]", "Error: DSREG_AUTOJOIN_DISC_WAIT_TIMEOUT (0x801c001f)", "0x801C003D"],
  },
  "dsreg-azure-ad-joined-no": { step: "sync-scope", positive: ["             AzureAdJoined : NO", "AzureAdJoined: NO", "AzureAdJoined : NO\r"] },
  "dsreg-domain-joined-no": { step: "clients", positive: ["              DomainJoined : NO"] },
  "adsync-permission-issue": { step: "entra-connect",
    positive: [
      "Error Type : permission-issue",
      "8344 Insufficient access rights to perform the operation.",
      "00002098: SecErr: DSID-03150F94, problem 4003 (INSUFF_ACCESS_RIGHTS), data 0",
    ],
  },
  "adsync-run-stopped": { step: "entra-connect",
    positive: ["Result : stopped-server-down", "The run profile Delta Import returned stopped-extension-dll-exception", "stopped-bad-server-credentials"],
  },
  "ad-dc-not-located": {
    step: "ad-forest",
    positive: [
      "DsrCmdAccountMgr::IsDomainControllerAvailable: DsGetDcName No domain controller is available for the specified domain or the domain does not exist: 0x8007054b.",
      "The device can NOT be joined because a domain controller could not be located.",
      "04/02/2024 10:11:12:123 NetpDsGetDcName: failed to find a DC in the specified domain: 0x54b, last error is 0x0",
      "An Active Directory Domain Controller (AD DC) for the domain \"corp.cmglab.example\" could not be contacted.",
      "The specified domain either does not exist or could not be contacted.",
      "NetpCheckDomainNameIsValid [ Exists ] for 'corp.cmglab.example' returned 0x54b",
    ],
  },
  "ad-join-rpc-blocked": {
    step: "network",
    positive: [
      "04/02/2024 10:11:12:123 NetpDoDomainJoin: status: 0x6d9",
      "NetpGetLsaHandle: LsaOpenPolicy on \\\\DC01.corp.cmglab.example failed: 0xc002001c",
      "NetpJoinDomainOnDs: status of connecting to dc '\\\\dc01.corp.cmglab.example': 0x40",
    ],
  },
  "dns-query-timed-out": { step: "ad-forest", positive: ["DNS request timed out.", "Request to UnKnown timed-out"] },
  "dns-server-unknown": { step: "ad-forest", positive: ["Server:  UnKnown", "Server: Unknown"] },
  "dns-nonexistent-domain": { step: "ad-forest", positive: ["*** UnKnown can't find corp.cmglab.example: Non-existent domain"] },
  "cmg-cp-missing-role-certificate": { step: "cmg-connection-point", positive: ["missing role certificate. reload in next cycle"] },
  "cmg-certificate-private-key": {
    step: "cmg-certificate",
    positive: [
      "ERROR: Communication exception occured. Http Status Code: BadRequest, Error Message: The private key for the remote desktop certificate cannot be accessed. This may happen for CNG certificates that are not supported for Remote Desktop.",
      "The private key for the certificate cannot be accessed.",
    ],
  },
  "site-dotnet-type-load": {
    step: "site-server",
    positive: [
      "ERROR: Exception occured for service CMGLAB : System.TypeLoadException: Could not load type 'System.Runtime.Diagnostics.ITraceSourceStringProvider' from assembly 'System.ServiceModel.Internals, Version=4.0.0.0'",
    ],
  },
  "entra-app-not-found": {
    step: "entra-apps",
    positive: [
      "WAM token request failed. Status 5, Details 'AADSTS50001: The application named https://ConfigMgrService was not found in the tenant named 6c1f2e4a-1b2c-4d5e-8f90-1234567890ab.",
      "AADSTS700016: Application with identifier '0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e' was not found in the directory 'Contoso'.",
    ],
  },
  "entra-graph-insufficient-privileges": {
    step: "entra-apps",
    positive: ['{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}'],
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
  // lab-verify-client.ps1's tenant check: PASS, and a FAIL without a tenant seen (not joined yet).
  "VERIFY CM01 tenant PASS",
  "  evidence: TenantId : (none: not Entra joined) (expected 72f988bf-86f1-41af-91ab-2d7cd011db47)",
  // check-user-discovery.ps1's per-record line names the side a record lacks, not a missed step.
  "UserName=alice; UserPrincipalName=alice@corp.cmglab.example; SID=; AADUserID=0a1b2c3d-0000-4000-8000-00000000a11c; AADTenantID=; missing SID (ad-user-discovery)",
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
  it("has hand-written cases", () => {
    expect(cases, `no test cases for ${id}`).toBeDefined();
    expect(cases?.positive.length).toBeGreaterThan(0);
  });
  it.each((cases?.positive ?? []).map((p) => [p]))("matches plain: %s", (variant) => {
    const m = matchLine(variant).find((x) => x.signature.id === id);
    expect(m, `${id} does not match`).toBeDefined();
    expect(m?.step).toBe(cases?.step);
  });
  it.each((cases?.positive ?? []).map((p) => [p]))("matches inside a CMTrace record: %s", (variant) => {
    const d = diagnoseTextDetailed(`noise line\n${cm(variant.trim())}\n`);
    const f = [...d.findings, ...d.superseded, ...d.withheld].find((x) => x.signals.includes(id));
    expect(f, `no ${id} finding`).toBeDefined();
    expect(f?.step).toBe(cases?.step);
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

describe("weak evidence, context and precedence", () => {
  it("one weak signal alone reports nothing; it is kept as withheld", () => {
    const d = diagnoseTextDetailed("AzureAdJoined : NO\nDomainJoined : YES\n");
    expect(d.findings).toEqual([]);
    expect(d.withheld.map((f) => [f.signature, f.step, f.confidence])).toEqual([["dsreg-azure-ad-joined-no", "sync-scope", "medium"]]);
  });

  it("two weak signatures of one step make one medium-confidence finding", () => {
    const d = diagnoseTextDetailed("             AzureAdJoined : NO\n          Client ErrorCode : 0x801c03f2\n");
    expect(d.findings.map((f) => [f.step, f.confidence, [...f.signals].sort(), f.lineNumber, f.weak])).toEqual([
      ["sync-scope", "medium", ["dsreg-azure-ad-joined-no", "dsreg-directory-failure"], 1, true],
    ]);
    expect(d.withheld).toEqual([]);
  });

  it("the same weak signature repeated is still one signal", () => {
    const d = diagnoseTextDetailed("AzureAdJoined : NO\nAzureAdJoined : NO\n");
    expect(d.findings).toEqual([]);
    expect(d.withheld.map((f) => [f.signature, f.count])).toEqual([["dsreg-azure-ad-joined-no", 2]]);
  });

  it("a specific finding in the same input explains the weak ones and one cause is reported once", () => {
    const text = [
      "AzureAdJoined : NO",
      "     AD Configuration Test : FAIL [0x801c001d]",
      "Client ErrorCode : 0x801c03f2",
      "Server Message : AADSTS90002: Tenant 6c1f2e4a-1b2c-4d5e-8f90-1234567890ab not found.",
    ].join("\r\n");
    const d = diagnoseTextDetailed(text, { file: "dsreg.txt" });
    expect(d.findings.map((f) => [f.signature, f.step, f.lineNumber, f.confidence])).toEqual([
      ["dsreg-scp-read-failed", "hybrid-join-scp", 2, "high"],
      ["dsreg-tenant-not-found", "hybrid-join-scp", 4, "high"],
    ]);
    expect(d.superseded.map((f) => f.signature).sort()).toEqual(["dsreg-ad-configuration-test-failed", "dsreg-directory-failure+dsreg-azure-ad-joined-no"]);
  });

  it("two findings of one cause collapse to the most specific (user not discovered)", () => {
    const d = diagnoseTextDetailed(
      [
        "Status code is '403' and status description is 'CMGConnector_Un-authorizedrequest'.",
        "AAD user with ID 2f3e4d5c-6b7a-4899-aabb-ccddeeff0011 and SID S-1-5-21-1-2-3-1106 is not completely discovered",
      ].join("\n"),
    );
    expect(d.findings.map((f) => [f.signature, f.step])).toEqual([["sts-user-not-completely-discovered", "ad-user-discovery"]]);
    expect(d.superseded.map((f) => f.signature)).toEqual(["cmg-token-unauthorized-request"]);
  });

  it("different causes of one step are both reported", () => {
    const d = diagnoseTextDetailed(cm("AADSTS65001: consent missing") + "\n" + cm("AADSTS7000222: The provided client secret keys are expired."));
    expect(d.findings.map((f) => f.signature).sort()).toEqual(["entra-client-secret-invalid", "entra-consent-missing"]);
  });

  it("an Entra code counts only where the input shows the lab's context", () => {
    const line = "AADSTS7000222: The provided client secret keys for app '90a927a2-fa24-414a-a961-70f574d14df9' are expired.";
    const elsewhere = diagnoseTextDetailed(`Azure.Identity.AuthenticationFailedException: ${line}\n`);
    expect(elsewhere.findings).toEqual([]);
    expect(elsewhere.withheld.map((f) => f.signature)).toEqual(["entra-client-secret-invalid"]);
    const siteLog = diagnoseTextDetailed(`${line}  $$<SMS_AZUREAD_DISCOVERY_AGENT><11-18-2024 10:02:11.200+00><thread=5120 (0x1400)>\n`);
    expect(siteLog.findings.map((f) => [f.signature, f.step, f.confidence])).toEqual([["entra-client-secret-invalid", "entra-apps", "high"]]);
    const tenant = "Server Message : AADSTS90002: Tenant 'abc' not found.";
    expect(diagnoseText(tenant)).toEqual([]);
    expect(diagnoseText(`${tenant}\nClient ErrorCode : 0x801c03f2\n`).map((f) => f.signature)).toEqual(["dsreg-tenant-not-found"]);
  });

  it("context markers are read in the first plain records and in every record that matched", () => {
    const filler = Array.from({ length: CONTEXT_SNIFF_RECORDS + 10 }, (_, i) => `line ${i}`);
    const code = "Server Message : AADSTS90002: Tenant 'abc' not found.";
    // A marker at the top of a long output counts for a code far below it.
    expect(diagnoseText(["dsregcmd /status", ...filler, code].join("\n")).map((f) => f.step)).toEqual(["hybrid-join-scp"]);
    // A marker on a record that matched a signature counts wherever it is.
    expect(diagnoseText([...filler, code, "Client ErrorCode : 0x801c03f2"].join("\n")).map((f) => f.signature)).toEqual(["dsreg-tenant-not-found"]);
    // A marker on a plain record past the window that matched nothing is not read.
    expect(diagnoseText([code, ...filler, "dsregcmd /status"].join("\n"))).toEqual([]);
  });

  it("precedence stays within a group or step: a CMG finding does not hide a device-join finding", () => {
    const d = diagnoseTextDetailed("AzureAdJoined : NO\nClient ErrorCode : 0x801c03f2\nStatusCode=403 StatusText=CMGConnector_Forbidden\n");
    expect(d.findings.map((f) => [f.step, f.confidence]).sort()).toEqual([
      ["enhanced-http", "high"],
      ["sync-scope", "medium"],
    ]);
  });

  it("precedence is per input: diagnosing two texts separately keeps both", () => {
    const a = diagnoseTextDetailed("AzureAdJoined : NO\nClient ErrorCode : 0x801c03f2\n", { file: "a" });
    const b = diagnoseTextDetailed("Server Message : The device object by the given id (x) is not found.\n", { file: "b" });
    expect(a.findings.map((f) => f.confidence)).toEqual(["medium"]);
    expect(b.findings.map((f) => f.confidence)).toEqual(["high"]);
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
    expect(d.findings[0]).toMatchObject({ signature: "ccm-no-client-pki-cert", count: 300, lineNumber: 2, file: "CcmMessaging.log", confidence: "high" });
    expect(d.withheld[0]).toMatchObject({ signature: "ccmhttp-post-failed-87d00231", count: 300, lineNumber: 1 });
    expect(d.withheld[0]?.line).toContain("mp0.corp");
  });
});
