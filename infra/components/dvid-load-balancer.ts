import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import { planArmorRules } from "../plan/access-rules.js";

export interface DvidLoadBalancerArgs {
  project: string;
  zone: string;
  port: number;
  /** The node VMs (all in `zone`): name, self link, and the server-assigned id, which a replacement changes. */
  instances: { name: string; selfLink: pulumi.Input<string>; instanceId: pulumi.Input<string> }[];
  /** Client ranges admitted by the Cloud Armor policy; all others get 403. */
  sourceRanges: string[];
  names: {
    instanceGroup: string;
    healthCheck: string;
    securityPolicy: string;
    backendService: string;
    urlMap: string;
    httpProxy: string;
    address: string;
    forwardingRule: string;
  };
}

/** Seconds a backend may take to answer: large volume reads and writes run far past the 30 s default. */
export const BACKEND_TIMEOUT_SECONDS = 600;
/** Named port on the instance group the backend service sends to. */
export const NAMED_PORT = "dvid";

/**
 * A global external Application Load Balancer (the current generation, EXTERNAL_MANAGED) over
 * every node: instance group with a named port, health check on /api/heartbeat, backend service
 * behind a Cloud Armor allow-list, URL map, HTTP proxy, global address, forwarding rule on port 80.
 *
 * Meant for reads by tools that want one URL (neuroglancer, the web console): readers are
 * read-only, so writes sent here fail unless they land on the writer; clients write to the
 * writer's own URL.
 */
export class DvidLoadBalancer extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;
  readonly ipAddress: pulumi.Output<string>;

  constructor(name: string, args: DvidLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dvidcloud:gcp:DvidLoadBalancer", name, {}, opts);
    const { project, names } = args;

    const group = new gcp.compute.InstanceGroup(
      `${name}-group`,
      {
        project,
        zone: args.zone,
        name: names.instanceGroup,
        namedPorts: [{ name: NAMED_PORT, port: args.port }],
      },
      { parent: this },
    );
    // One membership per VM rather than the group's `instances` list: a replaced VM keeps its name
    // and self link, so the list would not change and GCE would have dropped the new VM from the
    // group (terraform-provider-google#54, #18800). A membership is replaced with its VM: the
    // engine deletes it first when the VM is replaced delete-before-create, and the trigger (the
    // VM's server-assigned id) covers any other replacement.
    for (const instance of args.instances) {
      new gcp.compute.InstanceGroupMembership(
        `${name}-member-${instance.name}`,
        { project, zone: args.zone, instanceGroup: group.name, instance: instance.selfLink },
        { parent: this, replacementTrigger: instance.instanceId },
      );
    }

    // /api/heartbeat is DVID's liveness route: light, unlogged, 200 "OK" (dvid-deploy.md §2).
    const health = new gcp.compute.HealthCheck(
      `${name}-heartbeat`,
      {
        project,
        name: names.healthCheck,
        httpHealthCheck: { port: args.port, requestPath: "/api/heartbeat" },
        checkIntervalSec: 10,
        timeoutSec: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
      { parent: this },
    );

    const policy = new gcp.compute.SecurityPolicy(
      `${name}-armor`,
      {
        project,
        name: names.securityPolicy,
        description: "dvidcloud: only the configured sourceRanges reach DVID through the load balancer",
        rules: planArmorRules(args.sourceRanges).map((rule) => ({
          priority: rule.priority,
          action: rule.action,
          description: rule.description,
          match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: rule.srcIpRanges } },
        })),
      },
      { parent: this },
    );

    const backend = new gcp.compute.BackendService(
      `${name}-backend`,
      {
        project,
        name: names.backendService,
        protocol: "HTTP",
        portName: NAMED_PORT,
        loadBalancingScheme: "EXTERNAL_MANAGED",
        timeoutSec: BACKEND_TIMEOUT_SECONDS,
        // DVID drains for up to 25 s on SIGTERM (dvid-deploy.md §2).
        connectionDrainingTimeoutSec: 30,
        healthChecks: health.id,
        securityPolicy: policy.selfLink,
        backends: [{ group: group.selfLink, balancingMode: "UTILIZATION", capacityScaler: 1 }],
      },
      { parent: this },
    );

    const urlMap = new gcp.compute.URLMap(
      `${name}-urls`,
      { project, name: names.urlMap, defaultService: backend.id },
      { parent: this },
    );
    const proxy = new gcp.compute.TargetHttpProxy(
      `${name}-proxy`,
      { project, name: names.httpProxy, urlMap: urlMap.id },
      { parent: this },
    );
    const address = new gcp.compute.GlobalAddress(
      `${name}-address`,
      { project, name: names.address, ipVersion: "IPV4", addressType: "EXTERNAL" },
      { parent: this },
    );
    new gcp.compute.GlobalForwardingRule(
      `${name}-http`,
      {
        project,
        name: names.forwardingRule,
        target: proxy.id,
        ipAddress: address.address,
        ipProtocol: "TCP",
        portRange: "80",
        loadBalancingScheme: "EXTERNAL_MANAGED",
      },
      { parent: this },
    );

    this.ipAddress = address.address;
    this.url = pulumi.interpolate`http://${address.address}`;
    this.registerOutputs({ url: this.url, ipAddress: this.ipAddress });
  }
}
