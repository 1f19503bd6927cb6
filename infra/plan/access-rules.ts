/**
 * Who may reach DVID. Pure.
 *
 * The nodes' firewall admits the configured ranges and Google's front ends; the load balancer's
 * Cloud Armor policy admits the configured ranges and denies everything else. The second part
 * matters because the global external Application Load Balancer proxies client traffic from the
 * same Google front-end ranges the health checks come from: a firewall alone, once it admits
 * those ranges, would leave the load-balanced address open to the whole internet.
 */

/** Source ranges of Google's health checks and of the global external ALB's proxies. */
export const GOOGLE_FRONT_END_RANGES: readonly string[] = ["35.191.0.0/16", "130.211.0.0/22"];

/** Cloud Armor accepts at most 10 ranges in one `srcIpRanges` match. */
export const ARMOR_RANGES_PER_RULE = 10;
export const ARMOR_FIRST_PRIORITY = 1000;
/** The mandatory default rule of every Cloud Armor policy. */
export const ARMOR_DEFAULT_PRIORITY = 2147483647;

export interface ArmorRulePlan {
  priority: number;
  action: "allow" | "deny(403)";
  srcIpRanges: string[];
  description: string;
}

export function planArmorRules(sourceRanges: readonly string[]): ArmorRulePlan[] {
  const rules: ArmorRulePlan[] = [];
  for (let i = 0; i < sourceRanges.length; i += ARMOR_RANGES_PER_RULE) {
    rules.push({
      priority: ARMOR_FIRST_PRIORITY + rules.length,
      action: "allow",
      srcIpRanges: sourceRanges.slice(i, i + ARMOR_RANGES_PER_RULE),
      description: "dvidcloud sourceRanges",
    });
  }
  rules.push({
    priority: ARMOR_DEFAULT_PRIORITY,
    action: "deny(403)",
    srcIpRanges: ["*"],
    description: "everyone else",
  });
  return rules;
}
