// Reference answers for raw reads in tests: the bytes a box of voxel space should read as.

export type Xyz = [number, number, number];

/** A reference volume: voxels of box (offset, size) x fastest; everything else reads 0. */
export function extract(vol: Buffer, volOffset: Xyz, volSize: Xyz, offset: Xyz, size: Xyz, bpv: number): Buffer {
  const out = Buffer.alloc(size[0] * size[1] * size[2] * bpv);
  // The x range of each row that lies inside the volume.
  const x0 = Math.max(offset[0], volOffset[0]);
  const x1 = Math.min(offset[0] + size[0], volOffset[0] + volSize[0]);
  if (x1 <= x0) return out;
  for (let z = 0; z < size[2]; z++) {
    const vz = offset[2] + z - volOffset[2];
    if (vz < 0 || vz >= volSize[2]) continue;
    for (let y = 0; y < size[1]; y++) {
      const vy = offset[1] + y - volOffset[1];
      if (vy < 0 || vy >= volSize[1]) continue;
      const src = ((vz * volSize[1] + vy) * volSize[0] + (x0 - volOffset[0])) * bpv;
      vol.copy(out, ((z * size[1] + y) * size[0] + (x0 - offset[0])) * bpv, src, src + (x1 - x0) * bpv);
    }
  }
  return out;
}
