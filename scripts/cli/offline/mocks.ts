/**
 * Pulumi mocks for evaluating the real program with no cloud account: every resource gets a
 * well-formed, deterministic ARM (or Microsoft Graph) id built from its inputs, outputs echo the
 * inputs plus the values the provider would compute, and invokes answer from a fixed table.
 * An unknown resource type or invoke token throws, so a new resource cannot slip into the plan
 * with a made-up id.
 */
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

/** Fixed identities of the offline "account": obviously fake, well-formed. */
export const MOCK_SUBSCRIPTION_ID = "00000000-0000-4000-8000-00000000c0de";
export const MOCK_TENANT_ID = "00000000-0000-4000-8000-0000000dad00";
export const MOCK_CLIENT_OBJECT_ID = "00000000-0000-4000-8000-00000000b0b0";

type Inputs = Record<string, unknown>;

/** A stable UUID derived from text (same text, same UUID). */
export function uuidFrom(text: string): string {
  const h = createHash("sha256").update(text).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function str(inputs: Inputs, key: string): string {
  const v = inputs[key];
  if (typeof v !== "string" || v === "") throw new Error(`mock: input '${key}' is missing; the program must name it explicitly`);
  return v;
}

const rg = (inputs: Inputs): string => `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/${str(inputs, "resourceGroupName")}`;

interface MockRule {
  /** The ARM id of the resource. */
  id: (inputs: Inputs, name: string) => string;
  /** The resource's `name` output (the Azure name). */
  azureName?: (inputs: Inputs) => string;
  /** Outputs the provider computes beyond the inputs. */
  extra?: (inputs: Inputs, id: string, name: string) => Inputs;
}

/** Azure resource types of the lab, with how their ids are formed. Add a row for a new type. */
const RULES: Record<string, MockRule> = {
  "azure-native:resources:ResourceGroup": {
    id: (i) => rg(i),
    azureName: (i) => str(i, "resourceGroupName"),
  },
  "azure-native:network:NetworkSecurityGroup": {
    id: (i) => `${rg(i)}/providers/Microsoft.Network/networkSecurityGroups/${str(i, "networkSecurityGroupName")}`,
    azureName: (i) => str(i, "networkSecurityGroupName"),
  },
  "azure-native:network:VirtualNetwork": {
    id: (i) => `${rg(i)}/providers/Microsoft.Network/virtualNetworks/${str(i, "virtualNetworkName")}`,
    azureName: (i) => str(i, "virtualNetworkName"),
  },
  "azure-native:network:PublicIPAddress": {
    id: (i) => `${rg(i)}/providers/Microsoft.Network/publicIPAddresses/${str(i, "publicIpAddressName")}`,
    azureName: (i) => str(i, "publicIpAddressName"),
    extra: (i) => ({ ipAddress: `203.0.113.${(parseInt(uuidFrom(str(i, "publicIpAddressName")).slice(0, 2), 16) % 250) + 1}` }),
  },
  "azure-native:network:BastionHost": {
    id: (i) => `${rg(i)}/providers/Microsoft.Network/bastionHosts/${str(i, "bastionHostName")}`,
    azureName: (i) => str(i, "bastionHostName"),
  },
  "azure-native:network:NetworkInterface": {
    id: (i) => `${rg(i)}/providers/Microsoft.Network/networkInterfaces/${str(i, "networkInterfaceName")}`,
    azureName: (i) => str(i, "networkInterfaceName"),
  },
  "azure-native:compute:VirtualMachine": {
    id: (i) => `${rg(i)}/providers/Microsoft.Compute/virtualMachines/${str(i, "vmName")}`,
    azureName: (i) => str(i, "vmName"),
    extra: (i) => {
      const identity = i.identity as { type?: string } | undefined;
      return {
        vmId: uuidFrom(`vm:${str(i, "vmName")}`),
        // A system-assigned identity gets its principal when the VM is created.
        ...(identity?.type === "SystemAssigned"
          ? { identity: { type: "SystemAssigned", principalId: uuidFrom(`principal:${str(i, "vmName")}`), tenantId: MOCK_TENANT_ID } }
          : {}),
      };
    },
  },
  "azure-native:compute:VirtualMachineRunCommandByVirtualMachine": {
    id: (i) =>
      `${rg(i)}/providers/Microsoft.Compute/virtualMachines/${str(i, "vmName")}/runCommands/${str(i, "runCommandName")}`,
    azureName: (i) => str(i, "runCommandName"),
    extra: () => ({ provisioningState: "Succeeded" }),
  },
  "azure-native:devtestlab:GlobalSchedule": {
    id: (i) => `${rg(i)}/providers/Microsoft.DevTestLab/schedules/${str(i, "name")}`,
    azureName: (i) => str(i, "name"),
  },
  "azure-native:storage:StorageAccount": {
    id: (i) => `${rg(i)}/providers/Microsoft.Storage/storageAccounts/${str(i, "accountName")}`,
    azureName: (i) => str(i, "accountName"),
  },
  "azure-native:storage:BlobContainer": {
    id: (i) => `${rg(i)}/providers/Microsoft.Storage/storageAccounts/${str(i, "accountName")}/blobServices/default/containers/${str(i, "containerName")}`,
    azureName: (i) => str(i, "containerName"),
  },
  "azure-native:storage:Blob": {
    id: (i) =>
      `${rg(i)}/providers/Microsoft.Storage/storageAccounts/${str(i, "accountName")}/blobServices/default/containers/${str(i, "containerName")}/blobs/${str(i, "blobName")}`,
    azureName: (i) => str(i, "blobName"),
    extra: (i) => ({ url: `https://${str(i, "accountName")}.blob.core.windows.net/${str(i, "containerName")}/${str(i, "blobName")}` }),
  },
  "azure-native:authorization:RoleAssignment": {
    id: (i, name) => `${str(i, "scope")}/providers/Microsoft.Authorization/roleAssignments/${typeof i.roleAssignmentName === "string" ? i.roleAssignmentName : uuidFrom(name)}`,
  },
  "random:index/randomPassword:RandomPassword": {
    id: () => "none",
    // Deterministic and well-formed for Azure's complexity rule; never a real credential.
    extra: (_i, _id, name) => ({ result: `Mock-${uuidFrom(`pw:${name}`).slice(0, 12)}-Pw1!` }),
  },
  "random:index/randomString:RandomString": {
    id: (_i, name) => uuidFrom(`rs:${name}`),
    extra: (i, _id, name) => ({ result: uuidFrom(`rs:${name}`).replace(/-/g, "").slice(0, Number(i.length ?? 8)) }),
  },
  "random:index/randomUuid:RandomUuid": {
    id: (_i, name) => uuidFrom(`uuid:${name}`),
    extra: (_i, id) => ({ result: id }),
  },
  "azuread:index/applicationPassword:ApplicationPassword": {
    id: (i, name) => `${str(i, "applicationId")}/password/${uuidFrom(`pw-key:${name}`)}`,
    // Deterministic, obviously fake; never a real credential.
    extra: (_i, _id, name) => ({ keyId: uuidFrom(`pw-key:${name}`), value: `Mock~${uuidFrom(`secret:${name}`).slice(0, 24)}` }),
  },
};

/** Microsoft Graph's service principal as the offline tenant publishes it (ids from the Graph permissions reference). */
export const MOCK_GRAPH_SP_OBJECT_ID = "00000000-0000-4000-8000-00000000a11a";
const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
const GRAPH_APP_ROLE_IDS: Record<string, string> = {
  "Directory.Read.All": "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
  "User.Read.All": "df021288-bdef-4463-88db-98f22de89214",
  "Group.Read.All": "5b567255-7703-4780-807c-7be8301ae99b",
  "Device.Read.All": "7438b122-aefc-4978-80ed-43db9fcc7715",
};
const GRAPH_SCOPE_IDS: Record<string, string> = { "User.Read": "e1fe6dd8-ba31-4d61-89e7-88639da4683d" };

/** Microsoft Graph objects (azuread provider): `/kind/<object id>` ids and generated client ids. */
function azureadRule(type: string): MockRule | undefined {
  if (!type.startsWith("azuread:")) return undefined;
  return {
    id: (_i, name) => `/${type.split(":")[2] ?? "objects"}/${uuidFrom(`${type}:${name}`)}`,
    extra: (_i, id, name) => {
      const objectId = id.split("/").pop() ?? uuidFrom(name);
      return { objectId, clientId: uuidFrom(`client:${type}:${name}`), applicationId: uuidFrom(`client:${type}:${name}`) };
    },
  };
}

/** Answers to provider functions the program calls. */
const INVOKES: Record<string, (inputs: Inputs) => Inputs> = {
  // The verify step reads its run commands' reports back; offline there is nothing to read.
  "azure-native:compute:getVirtualMachineRunCommandByVirtualMachine": (i) => ({
    name: i.runCommandName,
    instanceView: { executionState: "Succeeded", exitCode: 0, output: `(offline plan: the report of ${String(i.runCommandName)} is read from Azure after pulumi up)` },
  }),
  "azure-native:authorization:getClientConfig": () => ({
    subscriptionId: MOCK_SUBSCRIPTION_ID,
    tenantId: MOCK_TENANT_ID,
    clientId: uuidFrom("client"),
    objectId: MOCK_CLIENT_OBJECT_ID,
  }),
  "azuread:index/getClientConfig:getClientConfig": () => ({
    tenantId: MOCK_TENANT_ID,
    clientId: uuidFrom("client"),
    objectId: MOCK_CLIENT_OBJECT_ID,
  }),
  "azuread:index/getServicePrincipal:getServicePrincipal": (i) => {
    if (i.clientId !== GRAPH_APP_ID) throw new Error(`mock: only Microsoft Graph's service principal is known offline, not ${JSON.stringify(i)}`);
    return {
      id: `/servicePrincipals/${MOCK_GRAPH_SP_OBJECT_ID}`,
      objectId: MOCK_GRAPH_SP_OBJECT_ID,
      clientId: GRAPH_APP_ID,
      displayName: "Microsoft Graph",
      appRoleIds: GRAPH_APP_ROLE_IDS,
      oauth2PermissionScopeIds: GRAPH_SCOPE_IDS,
    };
  },
};

/** Extra invoke answers a caller can add (tests). */
export type InvokeTable = Record<string, (inputs: Inputs) => Inputs>;

export function labMocks(extraInvokes: InvokeTable = {}): pulumi.runtime.Mocks {
  return {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Inputs } {
      const inputs = args.inputs as Inputs;
      if (!args.custom) return { id: undefined, state: inputs };
      const rule = RULES[args.type] ?? azureadRule(args.type);
      if (!rule) {
        throw new Error(`mock: no id rule for resource type '${args.type}'; add one to scripts/cli/offline/mocks.ts`);
      }
      const id = rule.id(inputs, args.name);
      const state: Inputs = { ...inputs };
      if (rule.azureName) state.name = rule.azureName(inputs);
      Object.assign(state, rule.extra?.(inputs, id, args.name) ?? {});
      return { id, state };
    },
    call(args: pulumi.runtime.MockCallArgs): Inputs {
      const answer = extraInvokes[args.token] ?? INVOKES[args.token];
      if (!answer) throw new Error(`mock: unknown invoke '${args.token}'; add it to scripts/cli/offline/mocks.ts`);
      return answer(args.inputs as Inputs);
    },
  };
}
