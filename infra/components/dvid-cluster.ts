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
  readonly serviceAccountEmail: pulumi.Output<string>;
  readonly nodes: DvidNodeOutput[];

  constructor(name: string, args: DvidClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = resolveClusterSettings({ ...args, name });
    super("dvidcloud:gcp:DvidCluster", name, {}, opts);
    this.settings = settings;
    const { project, zone, port } = settings;
    const names = clusterNames(settings.name, settings.nodes);

    // The VMs' own identity: it may read the DVID key secret (granted in DvidBucket) and nothing
    // else. DVID itself uses the bucket identity's key, not this account (dvid-deploy.md §4).
    const nodeAccount = new gcp.serviceaccount.Account(
      `${name}-node-account`,
      {
        project,
        accountId: names.nodeAccountId,
        displayName: `DVID VMs (dvidcloud cluster ${settings.name})`,
        description: "Identity of the DVID VMs; reads the DVID key from Secret Manager, nothing more.",
      },
      { parent: this },
    );

    const storage = new DvidBucket(
      `${name}-storage`,
      {
        clusterName: settings.name,
        project,
        location: settings.bucketLocation,
        forceDestroy: settings.forceDestroy,
        bucketPrefix: names.bucketPrefix,
        dvidAccountId: names.dvidAccountId,
        keySecretId: names.keySecretId,
        keyReader: pulumi.interpolate`serviceAccount:${nodeAccount.email}`,
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
      const startupScript = pulumi
        .all([storage.bucketName, storage.keySecretId])
        .apply(([bucket, keySecretId]) =>
          renderStartupScript({
            clusterName: settings.name,
            node,
            project,
            keySecretId,
            image: settings.image,
            port,
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
          networkInterfaces: [{ network: settings.network, accessConfigs: [{}] }],
          serviceAccount: { email: nodeAccount.email, scopes: ["cloud-platform"] },
          metadata: {
            "startup-script": startupScript,
            "enable-oslogin": "TRUE",
            "block-project-ssh-keys": "TRUE",
          },
          tags: [names.networkTag],
          labels: clusterLabels(settings.name, node.role),
          shieldedInstanceConfig: { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true },
          allowStoppingForUpdate: true,
        },
        // The start-up script needs the key readable and the bucket usable at first boot.
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
        instances: instances.map(({ instance }) => instance.selfLink),
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
    this.serviceAccountEmail = storage.serviceAccountEmail;

    this.registerOutputs({
      loadBalancerUrl: this.loadBalancerUrl,
      writerUrl: this.writerUrl,
      readerUrls: this.readerUrls,
      bucketName: this.bucketName,
      serviceAccountEmail: this.serviceAccountEmail,
    });
  }
}
