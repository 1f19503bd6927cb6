/**
 * Entry point of `pulumi up` (Pulumi.yaml `main`). Pulumi imports this module and uses the
 * resolved value of its default export as the stack outputs. Kept apart from infra/index.ts,
 * whose named exports (classes, planners) would otherwise be taken for stack outputs.
 */
import { readClusterConfig } from "./config.js";
import { dvidClusterProgram } from "./program.js";

export default async function main() {
  return dvidClusterProgram(readClusterConfig());
}
