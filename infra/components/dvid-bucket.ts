import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import * as random from "@pulumi/random";
import { clusterLabels } from "../plan/naming.js";

export interface DvidBucketArgs {
  clusterName: string;
  project: string;
  /** Cloud Storage location (a region such as US-CENTRAL1, or US, EU…). */
  location: string;
  /** Delete the bucket on destroy even when it still holds objects. */
  forceDestroy: boolean;
  /** Bucket name prefix; 8 random hex digits are appended (bucket names are global). */
  bucketPrefix: string;
  /** Account id of the service account DVID uses for the bucket. */
  dvidAccountId: string;
  /** Secret Manager secret id for that account's JSON key. */
  keySecretId: string;
  /** IAM member (the VMs' own identity) allowed to read the key secret, and nothing else. */
  keyReader: pulumi.Input<string>;
}

/**
 * The bucket DVID stores everything in, the one identity allowed to use it, and that identity's
 * key, kept in Secret Manager.
 *
 * Key delivery: DVID's gbucket backend only authenticates with a JSON key file
 * (GOOGLE_APPLICATION_CREDENTIALS; dvid-deploy.md §4). The key lives in Secret Manager, readable
 * only by `keyReader` (the VMs' service account), which fetches it at boot. The alternative,
 * instance metadata, would expose the key to anyone who can view the instances (roles/viewer
 * includes compute.instances.get). Trade-off kept: the key is long-lived (until the stack is
 * destroyed) and is recorded, encrypted, in the Pulumi state.
 */
export class DvidBucket extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly serviceAccountEmail: pulumi.Output<string>;
  /** Short secret id (`<cluster>-dvid-key`). */
  readonly keySecretId: pulumi.Output<string>;
  /** The resources the VMs need before they boot (key readable, bucket usable). */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: DvidBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dvidcloud:gcp:DvidBucket", name, {}, opts);
    const { project } = args;

    const suffix = new random.RandomId(`${name}-suffix`, { byteLength: 4 }, { parent: this });

    const bucket = new gcp.storage.Bucket(
      `${name}-bucket`,
      {
        project,
        name: pulumi.interpolate`${args.bucketPrefix}${suffix.hex}`,
        location: args.location,
        uniformBucketLevelAccess: true,
        publicAccessPrevention: "enforced",
        forceDestroy: args.forceDestroy,
        labels: clusterLabels(args.clusterName),
      },
      { parent: this },
    );

    const account = new gcp.serviceaccount.Account(
      `${name}-account`,
      {
        project,
        accountId: args.dvidAccountId,
        displayName: `DVID bucket access (dvidcloud cluster ${args.clusterName})`,
        description: `Used by DVID's gbucket backend on bucket ${args.bucketPrefix}*; holds no other role.`,
      },
      { parent: this },
    );
    const member = pulumi.interpolate`serviceAccount:${account.email}`;

    // Both grants are on this bucket only. objectAdmin covers DVID's object reads, writes, deletes
    // and listings; legacyBucketReader adds storage.buckets.get, which gbucket calls when it opens
    // the bucket (it fetches the bucket's attributes) and objectAdmin lacks.
    const objectAccess = new gcp.storage.BucketIAMMember(
      `${name}-object-access`,
      { bucket: bucket.name, role: "roles/storage.objectAdmin", member },
      { parent: this },
    );
    const bucketRead = new gcp.storage.BucketIAMMember(
      `${name}-bucket-read`,
      { bucket: bucket.name, role: "roles/storage.legacyBucketReader", member },
      { parent: this },
    );

    const key = new gcp.serviceaccount.Key(`${name}-key`, { serviceAccountId: account.name }, { parent: this });

    const secret = new gcp.secretmanager.Secret(
      `${name}-key-secret`,
      {
        project,
        secretId: args.keySecretId,
        replication: { auto: {} },
        labels: clusterLabels(args.clusterName),
      },
      { parent: this },
    );
    // privateKey is the base64 of the JSON key file; stored decoded, so the VM's `base64 -d` of
    // Secret Manager's payload yields the JSON file.
    const version = new gcp.secretmanager.SecretVersion(
      `${name}-key-version`,
      { secret: secret.id, secretData: pulumi.secret(key.privateKey), isSecretDataBase64: true },
      { parent: this },
    );
    const keyAccess = new gcp.secretmanager.SecretIamMember(
      `${name}-key-access`,
      { project, secretId: secret.secretId, role: "roles/secretmanager.secretAccessor", member: args.keyReader },
      { parent: this },
    );

    this.bucketName = bucket.name;
    this.serviceAccountEmail = account.email;
    this.keySecretId = secret.secretId;
    this.ready = [objectAccess, bucketRead, version, keyAccess];

    this.registerOutputs({
      bucketName: this.bucketName,
      serviceAccountEmail: this.serviceAccountEmail,
      keySecretId: this.keySecretId,
    });
  }
}
