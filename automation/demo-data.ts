// The demo's volumes, made here so the main job needs no download: a grayscale volume that looks
// like an EM stack (bright cytoplasm, dark membranes between cells, noise) and the segmentation
// of the same cells as uint64 labels (ids above 2^53, so a lossy Number conversion would show).
import type { Zyx } from "../volume-client/index.js";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Label ids: large uint64 values, distinct per cell. */
export function labelId(cell: number): bigint {
  return (1n << 60n) + BigInt(cell) * 1_000_003n;
}

/** Cell spacing in voxels: one cell centre, jittered, per grid cube of this size. */
const SPACING = 32;

/**
 * Both volumes of one synthetic stack of `shape` (ZYX): every voxel belongs to its nearest cell
 * centre (a Voronoi tessellation of jittered grid points, so only the 27 neighbouring grid cubes
 * are searched); voxels near a boundary between two cells are membrane (dark).
 */
export function makeDemoStack(shape: Zyx, seed = 42): { gray: Uint8Array<ArrayBuffer>; labels: BigUint64Array<ArrayBuffer> } {
  const [nz, ny, nx] = shape;
  const g = [Math.ceil(nz / SPACING) + 2, Math.ceil(ny / SPACING) + 2, Math.ceil(nx / SPACING) + 2];
  const r = rng(seed);
  // Grid cube (gz, gy, gx) covers [(g-1)*SPACING, g*SPACING): one ring of cubes outside the volume.
  const centres = new Float64Array(g[0] * g[1] * g[2] * 3);
  for (let k = 0; k < centres.length; k += 3) {
    const cube = k / 3;
    const gx = cube % g[2];
    const gy = Math.floor(cube / g[2]) % g[1];
    const gz = Math.floor(cube / (g[2] * g[1]));
    centres[k] = (gz - 1 + 0.15 + 0.7 * r()) * SPACING;
    centres[k + 1] = (gy - 1 + 0.15 + 0.7 * r()) * SPACING;
    centres[k + 2] = (gx - 1 + 0.15 + 0.7 * r()) * SPACING;
  }
  const gray = new Uint8Array(nz * ny * nx);
  const labels = new BigUint64Array(nz * ny * nx);
  const noise = rng(seed + 1);
  let i = 0;
  for (let z = 0; z < nz; z++) {
    const cz = Math.floor(z / SPACING) + 1;
    for (let y = 0; y < ny; y++) {
      const cy = Math.floor(y / SPACING) + 1;
      for (let x = 0; x < nx; x++, i++) {
        const cx = Math.floor(x / SPACING) + 1;
        let best = Infinity;
        let second = Infinity;
        let bestCube = 0;
        for (let dz = -1; dz <= 1; dz++)
          for (let dy = -1; dy <= 1; dy++)
            for (let dx = -1; dx <= 1; dx++) {
              const cube = ((cz + dz) * g[1] + (cy + dy)) * g[2] + (cx + dx);
              const ez = z - centres[cube * 3];
              const ey = y - centres[cube * 3 + 1];
              const ex = x - centres[cube * 3 + 2];
              const d = ez * ez + ey * ey + ex * ex;
              if (d < best) {
                second = best;
                best = d;
                bestCube = cube;
              } else if (d < second) second = d;
            }
        const edge = Math.sqrt(second) - Math.sqrt(best);
        const membrane = edge < 3 ? 100 * (1 - edge / 3) : 0;
        gray[i] = Math.max(0, Math.min(255, 160 - membrane + noise() * 40)) | 0;
        labels[i] = labelId(bestCube);
      }
    }
  }
  return { gray, labels };
}
