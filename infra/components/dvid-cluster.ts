import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import { resolveClusterSettings, type ClusterSettings } from "../plan/cluster-settings.js";
import { clusterLabels, clusterNames, type NodeRole } from "../plan/naming.js";
import { renderDvidToml } from "../plan/dvid-toml.js";
import { renderStartupScript } from "../plan/startup-script.js";
import { DvidBucket } from "./dvid-bucket.js";
import { DvidFirewall } from "./dvid-firewall.js";
import { DvidLoadBalancer } from "./dvid-load-balancer.js";

/**
 * Everything of ClusterSettings but the name (the component's own name is the cluster name).
 * `project` and `sourceRanges` are required; the rest default as documented in ClusterSettings.
 */
export type DvidClusterArgs = Partial<Omit<ClusterSettings, "name">> &
  Pick<ClusterSettings, "project" | "sourceRanges">;

/** Container-Optimized OS: Docker and systemd, nothing else to maintain. */
export const NODE_IMAGE = "cos-cloud/cos-stable";

export interface DvidNodeOutput {
  name: string;
  role: NodeRole;
  url: pulumi.Output<string>;
}

/**
 * A DVID cluster on Google Cloud: one bucket, one writer VM and `nodes - 1` read-only reader VMs
 * running the DVID container on it (dvid-deploy.md §4: one writer, many readers), a firewall, and
 * a global external Application Load Balancer over all nodes.
 *
 * The settings are validated before anything is registered, so a bad value fails the preview
 * with `nodes must be between 1 and 16; got 40` rather than half-way through an update.
 */
export class DvidCluster extends pulumi.ComponentResource {
  readonly settings: ClusterSettings;
  /** `http://<address>`: the load balancer over every node (reads). */
  readonly loadBalancerUrl: pulumi.Output<string>;
  /** `http://<writer IP>:<port>`: metadata changes and writes go here. */
  readonly writerUrl: pulumi.Output<string>;
  /** One `http://<IP>:<port>` per reader; empty for a one-node cluster. */
  readonly readerUrls: pulumi.Output<string[]>;
  readonly bucketName: pulumi.Output<string>;
  /** True when the stack created the bucket; false when `bucket` attached an existing one. */
  readonly bucketCreated: boolean;
  /** True when `pulumi destroy` leaves the bucket and its data in place (always, unless deleteData). */
  readonly bucketKept: boolean;
  /** The writer's DVID identity (read and write on the bucket). */
  readonly serviceAccountEmail: pulumi.Output<string>;
  /** The readers' DVID identity (read only); "" for a one-node cluster. */
  readonly readerServiceAccountEmail: pulumi.Output<string>;
  readonly nodes: DvidNodeOutput[];

  constructor(name: string, args: DvidClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = resolveClusterSettings({ ...args, name });
    super("dvidcloud:gcp:DvidCluster", name, {}, opts);
    this.settings = settings;
    const { project, zone, port } = settings;
    const names = clusterNames(settings.name, settings.nodes);
    const hasReaders = settings.nodes > 1;

    // The VMs' own identities, one per role: each may read its role's key secret (granted in
    // DvidBucket) and, for readers, list the bucket; nothing else. DVID itself uses the bucket
    // identities' keys, not these accounts (dvid-deploy.md §4).
    const nodeAccount = new gcp.serviceaccount.Account(
      `${name}-node-account`,
      {
        project,
        accountId: names.nodeAccountId,
        displayName: `DVID writer VM (dvidcloud cluster ${settings.name})`,
        description: "Identity of the DVID writer VM; reads the writer's DVID key from Secret Manager, nothing more.",
      },
      { parent: this },
    );
    const readerNodeAccount = hasReaders
      ? new gcp.serviceaccount.Account(
          `${name}-reader-node-account`,
          {
            project,
            accountId: names.readerNodeAccountId,
            displayName: `DVID reader VMs (dvidcloud cluster ${settings.name})`,
            description: "Identity of the DVID reader VMs; reads the readers' DVID key, lists the bucket, nothing more.",
          },
          { parent: this },
        )
      : undefined;

    const storage = new DvidBucket(
      `${name}-storage`,
      {
        clusterName: settings.name,
        project,
        ...(settings.bucket === "" ? {} : { existingBucket: settings.bucket }),
        location: settings.bucketLocation,
        deleteData: settings.deleteData,
        bucketPrefix: names.bucketPrefix,
        writer: {
          accountId: names.dvidAccountId,
          keySecretId: names.keySecretId,
          keyReader: pulumi.interpolate`serviceAccount:${nodeAccount.email}`,
        },
        ...(readerNodeAccount === undefined
          ? {}
          : {
              reader: {
                accountId: names.readerDvidAccountId,
                keySecretId: names.readerKeySecretId,
                keyReader: pulumi.interpolate`serviceAccount:${readerNodeAccount.email}`,
                nodeMember: pulumi.interpolate`serviceAccount:${readerNodeAccount.email}`,
              },
            }),
      },
      { parent: this },
    );

    const firewall = new DvidFirewall(
      `${name}-firewall`,
      {
        project,
        network: settings.network,
        port,
        networkTag: names.networkTag,
        sourceRanges: settings.sourceRanges,
        clientRuleName: names.clientFirewall,
        loadBalancerRuleName: names.loadBalancerFirewall,
      },
      { parent: this },
    );

    const instances = names.nodes.map((node) => {
      const reader = node.role === "reader";
      const identity = reader ? storage.reader! : storage.writer;
      const account = reader ? readerNodeAccount! : nodeAccount;
      const startupScript = pulumi
        .all([storage.bucketName, identity.keySecretId])
        .apply(([bucket, keySecretId]) =>
          renderStartupScript({
            clusterName: settings.name,
            node,
            project,
            keySecretId,
            image: settings.image,
            port,
            bucket,
            dvidToml: renderDvidToml({ clusterName: settings.name, node, bucket, port }),
          }),
        );
      const instance = new gcp.compute.Instance(
        node.name,
        {
          project,
          zone,
          name: node.name,
          machineType: settings.machineType,
          bootDisk: {
            initializeParams: { image: NODE_IMAGE, size: settings.diskSizeGb, type: "pd-balanced" },
          },
          // An ephemeral external address: clients reach the writer directly, and the VM pulls
          // the image and reaches Cloud Storage without a NAT gateway.
          networkInterfaces: [
            {
              network: settings.network,
              ...(settings.subnetwork === "" ? {} : { subnetwork: settings.subnetwork }),
              accessConfigs: [{}],
            },
          ],
          serviceAccount: { email: account.email, scopes: ["cloud-platform"] },
          // metadataStartupScript, not metadata["startup-script"]: the provider updates metadata in
          // place, without a reboot, so a new port, image or bucket would never reach DVID; a
          // change of metadataStartupScript replaces the VM, which boots with the new script.
          metadataStartupScript: startupScript,
          metadata: {
            "enable-oslogin": "TRUE",
            "block-project-ssh-keys": "TRUE",
          },
          tags: [names.networkTag],
          labels: clusterLabels(settings.name, node.role),
          shieldedInstanceConfig: { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true },
          allowStoppingForUpdate: true,
        },
        // The start-up script needs the key readable and the bucket usable at first boot. The VM
        // name is fixed, so a replacement deletes the old VM first.
        { parent: this, dependsOn: [...storage.ready, firewall], deleteBeforeReplace: true },
      );
      const ip = instance.networkInterfaces.apply((nics) => nics[0]?.accessConfigs?.[0]?.natIp ?? "");
      return { node, instance, url: pulumi.interpolate`http://${ip}:${port}` };
    });

    const loadBalancer = new DvidLoadBalancer(
      `${name}-lb`,
      {
        project,
        zone,
        port,
        instances: instances.map(({ node, instance }) => ({ name: node.name, selfLink: instance.selfLink, instanceId: instance.instanceId })),
        sourceRanges: settings.sourceRanges,
        names,
      },
      { parent: this },
    );

    this.nodes = instances.map(({ node, url }) => ({ name: node.name, role: node.role, url }));
    this.loadBalancerUrl = loadBalancer.url;
    this.writerUrl = instances[0]!.url;
    this.readerUrls = pulumi.all(instances.slice(1).map(({ url }) => url));
    this.bucketName = storage.bucketName;
    this.bucketCreated = storage.created;
    this.bucketKept = !(storage.created && settings.deleteData);
    this.serviceAccountEmail = storage.serviceAccountEmail;
    this.readerServiceAccountEmail = storage.reader?.serviceAccountEmail ?? pulumi.output("");

    this.registerOutputs({
      loadBalancerUrl: this.loadBalancerUrl,
      writerUrl: this.writerUrl,
      readerUrls: this.readerUrls,
      bucketName: this.bucketName,
      serviceAccountEmail: this.serviceAccountEmail,
      readerServiceAccountEmail: this.readerServiceAccountEmail,
    });
  }
}
