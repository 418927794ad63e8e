import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as storage from "@pulumi/azure-native/storage";
import * as random from "@pulumi/random";
import { MSI_STORAGE_SUFFIX_LENGTH, storageAccountNameProblem } from "../stacks/model/names";

/**
 * Built-in role "Storage Blob Data Reader": read blobs and list containers, nothing else.
 * https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage#storage-blob-data-reader
 */
export const STORAGE_BLOB_DATA_READER_ROLE_ID = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";

/** Container and blob name of the uploaded MSI. */
export const MSI_CONTAINER_NAME = "entra-connect";
export const MSI_BLOB_NAME = "AzureADConnect.msi";

export interface EntraConnectMsiBlobArgs {
  /** Required. The lab's resource group (the account is deleted with it on `pulumi destroy`). */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Required. Azure region. */
  readonly location: pulumi.Input<string>;
  /** Required. Fixed part of the storage account name (`msiStorageAccountStem`); a random suffix is appended. */
  readonly accountNameStem: string;
  /** Required. Absolute path of the MSI on the machine that runs Pulumi; uploaded as is. */
  readonly file: string;
  /** Required. Object id of the managed identity that may read the blob (SYNC01's system-assigned identity). */
  readonly readerPrincipalId: pulumi.Input<string>;
  /** Required. Tags (lab, stack, step, expiresOn). */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The Entra Connect Sync MSI, uploaded from the user's machine to a private blob in the lab's
 * resource group, readable only by SYNC01's managed identity:
 * - a StorageV2 account (no anonymous blob access, TLS 1.2, HTTPS only) named from the lab's
 *   prefix and stack plus a random suffix kept in state (account names are global);
 * - a private container and the blob (`pulumi.asset.FileAsset`: Pulumi uploads it, and uploads
 *   again only when the file's content changes);
 * - "Storage Blob Data Reader" for the VM's identity on that container only.
 *
 * Why a managed identity and not a SAS URL: a SAS needs an expiry, and the run command's inputs
 * must be the same on every evaluation (no timestamps), so a short-lived SAS cannot be computed
 * deterministically; a long-lived one would be a credential in the state. The VM instead asks its
 * instance metadata endpoint for a token for https://storage.azure.com/ and reads the blob with
 * it (https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-to-use-vm-token,
 * https://learn.microsoft.com/azure/storage/blobs/authorize-access-azure-active-directory).
 *
 * Shared key access stays on: the azure-native provider uploads a Blob with the account key and
 * fails on an account without it (pulumi/pulumi-azure-native#2015). The key never leaves Azure
 * and the Pulumi engine; nothing of it reaches the VM, the plan or the stack outputs.
 */
export class EntraConnectMsiBlob extends pulumi.ComponentResource {
  /** https URL of the blob (no token in it: it only works with an authorized bearer token). */
  public readonly blobUrl: pulumi.Output<string>;
  /** The storage account's name. */
  public readonly accountName: pulumi.Output<string>;
  /** The blob and the role assignment: the install waits for both. */
  public readonly ready: pulumi.Resource[];

  constructor(name: string, args: EntraConnectMsiBlobArgs, opts?: pulumi.ComponentResourceOptions) {
    const stemProblem = storageAccountNameProblem(`${args.accountNameStem}${"0".repeat(MSI_STORAGE_SUFFIX_LENGTH)}`);
    if (stemProblem !== null) throw new Error(`EntraConnectMsiBlob ${name}: account name stem '${args.accountNameStem}' plus the suffix ${stemProblem}`);
    if (!/\.msi$/i.test(args.file)) throw new Error(`EntraConnectMsiBlob ${name}: file must be an .msi, got '${args.file}'`);
    super("cmg-lab:sync:EntraConnectMsiBlob", name, {}, opts);
    const child = { parent: this };
    const tags = { ...args.tags };

    const suffix = new random.RandomString(
      `${name}-account-suffix`,
      { length: MSI_STORAGE_SUFFIX_LENGTH, upper: false, special: false, numeric: true, lower: true },
      child,
    );
    const account = new storage.StorageAccount(
      `${name}-account`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        accountName: pulumi.interpolate`${args.accountNameStem}${suffix.result}`,
        kind: "StorageV2",
        sku: { name: "Standard_LRS" },
        accessTier: "Hot",
        allowBlobPublicAccess: false,
        minimumTlsVersion: "TLS1_2",
        enableHttpsTrafficOnly: true,
        tags,
      },
      child,
    );
    const container = new storage.BlobContainer(
      `${name}-container`,
      {
        resourceGroupName: args.resourceGroupName,
        accountName: account.name,
        containerName: MSI_CONTAINER_NAME,
        publicAccess: "None",
      },
      child,
    );
    const blob = new storage.Blob(
      `${name}-blob`,
      {
        resourceGroupName: args.resourceGroupName,
        accountName: account.name,
        containerName: container.name,
        blobName: MSI_BLOB_NAME,
        type: "Block",
        contentType: "application/x-msi",
        source: new pulumi.asset.FileAsset(args.file),
      },
      child,
    );
    // Role assignment names are GUIDs, new whenever scope or principal change (Azure refuses a
    // second assignment under an existing name); stable otherwise (kept in state).
    const assignmentName = new random.RandomUuid(
      `${name}-reader-name`,
      { keepers: { scope: container.id, principalId: args.readerPrincipalId } },
      child,
    );
    const client = authorization.getClientConfigOutput(child);
    const reader = new authorization.RoleAssignment(
      `${name}-reader`,
      {
        scope: container.id,
        principalId: args.readerPrincipalId,
        // Said explicitly: the VM's identity is moments old and may not have replicated yet.
        principalType: "ServicePrincipal",
        roleDefinitionId: pulumi.interpolate`/subscriptions/${client.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${STORAGE_BLOB_DATA_READER_ROLE_ID}`,
        roleAssignmentName: assignmentName.result,
        description: "SYNC01 reads the Entra Connect Sync MSI",
      },
      child,
    );

    this.blobUrl = blob.url;
    this.accountName = account.name;
    this.ready = [blob, reader];
    this.registerOutputs({ blobUrl: this.blobUrl, accountName: this.accountName });
  }
}
