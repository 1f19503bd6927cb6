import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import * as random from "@pulumi/random";
import { MUTATION_ID_PREFIX } from "../plan/gbucket-layout.js";
import { clusterLabels } from "../plan/naming.js";

/** One role's identity for the bucket: a service account, its grants on the bucket, its key in Secret Manager. */
export interface DvidIdentityArgs {
  /** Account id of the service account DVID uses for the bucket. */
  accountId: string;
  /** Secret Manager secret id for that account's JSON key. */
  keySecretId: string;
  /** IAM member (that role's VM identity) allowed to read the key secret, and nothing else. */
  keyReader: pulumi.Input<string>;
}

export interface DvidBucketArgs {
  clusterName: string;
  project: string;
  /**
   * Name of an existing bucket to attach instead of creating one. It is never deleted by this
   * component (nothing here owns it); the identities below are granted access to it.
   */
  existingBucket?: string;
  /** Cloud Storage location of a created bucket (a region such as US-CENTRAL1, or US, EU…). */
  location: string;
  /**
   * Delete a created bucket, with its data, when the stack is destroyed. false (the default): the
   * bucket is left in place (retainOnDelete) and can be attached again later.
   */
  deleteData: boolean;
  /** Bucket name prefix; 8 random hex digits are appended (bucket names are global). */
  bucketPrefix: string;
  /** The writer's identity: read and write. */
  writer: DvidIdentityArgs;
  /** The readers' identity: read only (absent for a one-node cluster). */
  reader?: DvidIdentityArgs & {
    /** The reader VMs' own identity, which lists the bucket to wait for the writer and to watch metadata. */
    nodeMember: pulumi.Input<string>;
  };
}

/** What a role's VMs need: the key secret to fetch, the account's email, and what must exist before they boot. */
export interface DvidIdentity {
  serviceAccountEmail: pulumi.Output<string>;
  /** Short secret id (`<cluster>-dvid-key`, `<cluster>-dvid-ro-key`). */
  keySecretId: pulumi.Output<string>;
  ready: pulumi.Resource[];
}

/**
 * The bucket DVID stores everything in (created, or an existing one attached), the identities
 * allowed to use it, one per role, and their keys, kept in Secret Manager.
 *
 * The bucket outlives the stack unless `deleteData` is set: `retainOnDelete` makes `pulumi destroy`
 * (and a replacement) leave it and its data in place, `forceDestroy` stays false. Both are read from
 * the stack's state at destroy time, so asking for deletion means an `up` with deleteData = true
 * first (which records forceDestroy = true and retainOnDelete = false), then the destroy.
 *
 * Roles (dvid-deploy.md §4, one writer and read-only readers):
 * - writer: objectAdmin (DVID's reads, writes, deletes, listings) and legacyBucketReader
 *   (storage.buckets.get, which gbucket calls when it opens the bucket and objectAdmin lacks);
 * - readers: objectViewer and legacyBucketReader, plus object read/write limited by an IAM
 *   condition to the per-repo mutation-ID counters (gbucket-layout.ts), which DVID releases before
 *   the `-readonly` fix rewrite at every start-up; without it such a reader fails to load metadata.
 *   The reader VMs' own identity gets objectViewer, to wait for the writer and to watch metadata.
 *
 * Key delivery: DVID's gbucket backend only authenticates with a JSON key file
 * (GOOGLE_APPLICATION_CREDENTIALS; dvid-deploy.md §4). Each key lives in Secret Manager, readable
 * only by that role's VM identity, which fetches it at boot. The alternative, instance metadata,
 * would expose the key to anyone who can view the instances (roles/viewer includes
 * compute.instances.get). Trade-off kept: the keys are long-lived (until the stack is destroyed)
 * and are recorded, encrypted, in the Pulumi state.
 */
export class DvidBucket extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  /** True when this component created the bucket; false when an existing one was attached. */
  readonly created: boolean;
  readonly writer: DvidIdentity;
  readonly reader: DvidIdentity | undefined;
  /** The writer's account email and key secret (kept for callers of the one-identity version). */
  readonly serviceAccountEmail: pulumi.Output<string>;
  readonly keySecretId: pulumi.Output<string>;
  /** The resources the VMs need before they boot (keys readable, bucket usable). */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: DvidBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dvidcloud:gcp:DvidBucket", name, {}, opts);
    const { project } = args;

    if (args.existingBucket) {
      this.bucketName = pulumi.output(args.existingBucket);
      this.created = false;
    } else {
      const suffix = new random.RandomId(`${name}-suffix`, { byteLength: 4 }, { parent: this });
      const bucket = new gcp.storage.Bucket(
        `${name}-bucket`,
        {
          project,
          name: pulumi.interpolate`${args.bucketPrefix}${suffix.hex}`,
          location: args.location,
          uniformBucketLevelAccess: true,
          publicAccessPrevention: "enforced",
          forceDestroy: args.deleteData,
          labels: clusterLabels(args.clusterName),
        },
        { parent: this, retainOnDelete: !args.deleteData },
      );
      this.bucketName = bucket.name;
      this.created = true;
    }

    const bucketName = this.bucketName;
    const grant = (role: string, member: pulumi.Input<string>, resourceName: string, condition?: gcp.types.input.storage.BucketIAMMemberCondition) =>
      new gcp.storage.BucketIAMMember(
        resourceName,
        { bucket: bucketName, role, member, ...(condition === undefined ? {} : { condition }) },
        { parent: this },
      );

    // The writer's resources keep the names of the one-identity version, so existing stacks keep them.
    this.writer = this.identity(name, "", args, args.writer, "read and write", (member) => [
      grant("roles/storage.objectAdmin", member, `${name}-object-access`),
      grant("roles/storage.legacyBucketReader", member, `${name}-bucket-read`),
    ]);

    const reader = args.reader;
    this.reader =
      reader &&
      this.identity(name, "reader-", args, reader, "read only", (member) => [
        grant("roles/storage.objectViewer", member, `${name}-reader-object-read`),
        grant("roles/storage.legacyBucketReader", member, `${name}-reader-bucket-read`),
        grant("roles/storage.objectUser", member, `${name}-reader-mutation-ids`, {
          title: "DVID mutation-ID counters only",
          description: "DVID releases without the -readonly fix rewrite these counters when they start",
          expression: pulumi.interpolate`resource.name.startsWith("projects/_/buckets/${bucketName}/objects/${MUTATION_ID_PREFIX}")`,
        }),
        grant("roles/storage.objectViewer", reader.nodeMember, `${name}-reader-node-read`),
      ]);

    this.serviceAccountEmail = this.writer.serviceAccountEmail;
    this.keySecretId = this.writer.keySecretId;
    this.ready = [...this.writer.ready, ...(this.reader?.ready ?? [])];

    this.registerOutputs({
      bucketName: this.bucketName,
      serviceAccountEmail: this.serviceAccountEmail,
      keySecretId: this.keySecretId,
      readerServiceAccountEmail: this.reader?.serviceAccountEmail,
      readerKeySecretId: this.reader?.keySecretId,
    });
  }

  /** A service account, its grants (made by `grants`), its key and the key's secret. */
  private identity(
    name: string,
    prefix: string,
    args: DvidBucketArgs,
    identity: DvidIdentityArgs,
    access: string,
    grants: (member: pulumi.Output<string>) => pulumi.Resource[],
  ): DvidIdentity {
    const { project } = args;
    const account = new gcp.serviceaccount.Account(
      `${name}-${prefix}account`,
      {
        project,
        accountId: identity.accountId,
        displayName: `DVID bucket access, ${access} (dvidcloud cluster ${args.clusterName})`,
        description: `Used by DVID's gbucket backend on the cluster's bucket (${access}); holds no other role.`,
      },
      { parent: this },
    );
    const bindings = grants(pulumi.interpolate`serviceAccount:${account.email}`);

    const key = new gcp.serviceaccount.Key(`${name}-${prefix}key`, { serviceAccountId: account.name }, { parent: this });
    const secret = new gcp.secretmanager.Secret(
      `${name}-${prefix}key-secret`,
      {
        project,
        secretId: identity.keySecretId,
        replication: { auto: {} },
        labels: clusterLabels(args.clusterName),
      },
      { parent: this },
    );
    // privateKey is the base64 of the JSON key file; stored decoded, so the VM's `base64 -d` of
    // Secret Manager's payload yields the JSON file.
    const version = new gcp.secretmanager.SecretVersion(
      `${name}-${prefix}key-version`,
      { secret: secret.id, secretData: pulumi.secret(key.privateKey), isSecretDataBase64: true },
      { parent: this },
    );
    const keyAccess = new gcp.secretmanager.SecretIamMember(
      `${name}-${prefix}key-access`,
      { project, secretId: secret.secretId, role: "roles/secretmanager.secretAccessor", member: identity.keyReader },
      { parent: this },
    );
    return { serviceAccountEmail: account.email, keySecretId: secret.secretId, ready: [...bindings, version, keyAccess] };
  }
}
