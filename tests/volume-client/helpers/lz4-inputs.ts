// Inputs for the LZ4 codec tests, every one deterministic: the same bytes here and in
// tests/volume-client/fixtures/make-lz4-reference.sh, which stored the blocks the reference
// `lz4` command line tool (1.9.4) made of them in fixtures/lz4-reference.json.

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8;
}

/** Bytes that do not compress. */
export function randomBytes(n: number, seed = 1): Uint8Array {
  const r = lcg(seed);
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = r() & 255;
  return a;
}

/** uint64 labels (little-endian bytes) in runs whose lengths cycle through 1..`maxRun` voxels. */
export function labelRuns(voxels: number, maxRun: number, seed = 3): Uint8Array {
  const r = lcg(seed);
  const a = new BigUint64Array(voxels);
  let id = 1n << 60n;
  for (let i = 0, run = 1; i < voxels; run = (run % maxRun) + 1) {
    id += BigInt(r() % 5);
    for (let k = 0; k < run && i < voxels; k++) a[i++] = id;
  }
  return new Uint8Array(a.buffer);
}

/** A random prefix of `prefix` bytes, then bytes repeating with period `period`. */
export function periodic(period: number, n: number, prefix = 40, seed = period): Uint8Array {
  const a = randomBytes(n, seed);
  for (let i = prefix + period; i < n; i++) a[i] = a[i - period];
  return a;
}

/**
 * Random literals of each length in `literals`, each followed by a copy of an earlier stretch
 * of each length in `matches` (offset `offset`): lengths at the block format's boundaries.
 */
export function sequences(literals: readonly number[], matches: readonly number[], offset: number, seed = 5): Uint8Array {
  const r = lcg(seed);
  const parts: number[] = [];
  for (let i = 0; i < offset; i++) parts.push(r() & 255);
  for (const lit of literals) {
    for (const m of matches) {
      for (let i = 0; i < lit; i++) parts.push(r() & 255);
      const from = parts.length - offset;
      for (let i = 0; i < m; i++) parts.push(parts[from + i]);
      // A byte that breaks the match, so that its length is exactly m.
      parts.push((parts[parts.length - offset] + 1) & 255);
    }
  }
  for (let i = 0; i < 16; i++) parts.push(r() & 255);
  return Uint8Array.from(parts);
}

/** Segmentation-like labels: a 3D grid of boxes of one id each (C order, uint64 bytes). */
export function labelBoxes(n: number, cell: number): Uint8Array {
  const a = new BigUint64Array(n * n * n);
  let i = 0;
  for (let z = 0; z < n; z++)
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) a[i++] = (1n << 60n) + BigInt(((z / cell) | 0) * 1_000_003 + ((y / cell) | 0) * 1009 + ((x / cell) | 0));
  return new Uint8Array(a.buffer);
}

/** Every named input, small enough for a reference fixture. */
export function namedInputs(): Record<string, Uint8Array> {
  const inputs: Record<string, Uint8Array> = {
    uniform: new Uint8Array(70_000).fill(7),
    zeros: new Uint8Array(100_000),
    random: randomBytes(30_000),
    "label runs": labelRuns(8_000, 40),
    "label boxes": labelBoxes(24, 7),
    "literal and match lengths at the 15/19/255 boundaries": sequences(
      [0, 1, 14, 15, 16, 269, 270, 271, 524, 525, 526],
      [4, 5, 18, 19, 20, 273, 274, 275, 528, 529, 530],
      300,
    ),
    "a long literal run then a long match": sequences([70_000], [70_000], 65_535),
    "text": new TextEncoder().encode("the quick brown fox jumps over the lazy dog. ".repeat(200) + "THE END"),
  };
  for (let p = 1; p <= 16; p++) inputs[`period ${p}`] = periodic(p, 3000 + p * 17);
  for (let p = 1; p <= 16; p++) inputs[`matches at offset ${p}`] = sequences([0, 3, 15], [4, 15, 19, 255, 300], p, 100 + p);
  return inputs;
}
