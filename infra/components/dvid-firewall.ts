import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import { GOOGLE_FRONT_END_RANGES } from "../plan/access-rules.js";

export interface DvidFirewallArgs {
  project: string;
  network: string;
  /** The DVID port; the only port opened. */
  port: number;
  /** Network tag carried by the cluster's VMs; the rules apply to them only. */
  networkTag: string;
  /** Configured client ranges (validated IPv4 CIDRs). */
  sourceRanges: string[];
  clientRuleName: string;
  loadBalancerRuleName: string;
}

/**
 * Two ingress rules on the DVID port and nothing else: one for the configured clients, one for
 * Google's health checkers and load-balancer proxies (35.191.0.0/16, 130.211.0.0/22), without
 * which the load balancer marks every node unhealthy. No SSH rule: use IAP or add one yourself.
 */
export class DvidFirewall extends pulumi.ComponentResource {
  readonly ruleNames: pulumi.Output<string>[];

  constructor(name: string, args: DvidFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dvidcloud:gcp:DvidFirewall", name, {}, opts);
    const allows = [{ protocol: "tcp", ports: [String(args.port)] }];

    const clients = new gcp.compute.Firewall(
      `${name}-clients`,
      {
        project: args.project,
        name: args.clientRuleName,
        network: args.network,
        direction: "INGRESS",
        allows,
        sourceRanges: args.sourceRanges,
        targetTags: [args.networkTag],
        description: "dvidcloud: DVID port from the configured sourceRanges",
      },
      { parent: this },
    );
    const google = new gcp.compute.Firewall(
      `${name}-google`,
      {
        project: args.project,
        name: args.loadBalancerRuleName,
        network: args.network,
        direction: "INGRESS",
        allows,
        sourceRanges: [...GOOGLE_FRONT_END_RANGES],
        targetTags: [args.networkTag],
        description: "dvidcloud: DVID port from Google health checks and load-balancer proxies",
      },
      { parent: this },
    );

    this.ruleNames = [clients.name, google.name];
    this.registerOutputs({ ruleNames: this.ruleNames });
  }
}
