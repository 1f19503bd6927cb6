// Child process for the launcher tests: `start-cluster-child.ts STATE_DIR NAME detached|attached`
// starts a 2-node local cluster and prints its state as one JSON line. Detached: then it simply
// returns, and the process must be able to exit while the nodes run on. Attached: it stays
// alive until killed, so a test can kill it and watch the nodes follow.
import { startLocalCluster } from "../../local-dvid/cluster.js";

const [stateDir, name, mode] = process.argv.slice(2);
const cluster = await startLocalCluster({ name: name!, stateDir: stateDir!, nodes: 2, detached: mode === "detached" });
process.stdout.write(`${JSON.stringify({ nodes: cluster.nodes, stateFile: cluster.stateFile })}\n`);
if (mode !== "detached") setInterval(() => undefined, 60_000);
