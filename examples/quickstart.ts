import ndarray from "ndarray";
import { withCluster } from "dvidcloud/automation";

// A 3-node local cluster (one writer, two read-only readers); torn down when the function ends.
await withCluster({ name: "quickstart", nodes: 3 }, async (cluster) => {
  const client = cluster.client(); // writes go to the writer, reads spread over every node
  const repo = await client.createRepo({ alias: "fib25" });
  const gray = await repo.createVolume("grayscale", "uint8", { blockSizeZyx: [64, 64, 64] });

  const voxels = new Uint8Array(64 * 128 * 128).map((_, i) => i % 251);
  await gray.write([0, 0, 0], ndarray(voxels, [64, 128, 128])); // vol[0:64, 0:128, 0:128] = voxels
  const sub = await gray.read([[0, 64], [0, 64], [32, 96]]); // ndarray of shape [64, 64, 64]
  console.log(sub.shape, sub.get(0, 0, 0) === voxels[32]); // [ 64, 64, 64 ] true

  await repo.commit("imported"); // lock the root version
  const proof = await repo.branch("proofreading"); // a new version to edit
  const labels = await proof.createVolume("segmentation", "uint64", { labels: true });
  const id = 2n ** 60n + 1n; // label ids are uint64: BigUint64Array
  const blob = ndarray(new BigUint64Array(5 * 6 * 7).fill(id), [5, 6, 7]);
  await labels.write([10, 20, 30], blob, { nonAlignedWrites: true }); // any box; edge blocks are patched
  console.log((await labels.read([[10, 11], [20, 21], [30, 31]])).get(0, 0, 0) === id); // true
  for (const v of await proof.history()) console.log(v.uuid.slice(0, 8), v.branch, v.locked ? "locked" : "open", v.note);
});
