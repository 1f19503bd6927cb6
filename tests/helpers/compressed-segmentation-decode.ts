// A decoder of neuroglancer's compressed_segmentation format (uint64, one channel, 8x8x8 blocks),
// written from the format's specification (neuroglancer src/sliceview/compressed_segmentation/
// README.md) and sharing no code with local-dvid's encoder: it reads bytes through a DataView and
// labels as BigInt. Used by the encoder's tests and by the googlegzip route's tests.

const B = 8; // block size in x, y and z

export interface Decoded {
  /** The labels of the box, x fastest. */
  labels: BigUint64Array;
  /** Per block (x-fastest grid order): encodedBits. */
  bits: number[];
  /** Every value decoded at a padding position of a partial block, with its block's index. */
  padding: { block: number; value: bigint }[];
}

/** Decodes one uint64 channel with 8x8x8 blocks, as the spec describes it. */
export function decodeCompressedSegmentation(encoded: Uint32Array, [nz, ny, nx]: [number, number, number]): Decoded {
  const view = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const channelByte = view.getUint32(0, true) * 4; // channel offset, in 32-bit words
  const word = (wordOffset: number) => view.getUint32(channelByte + 4 * wordOffset, true);
  const gx = Math.ceil(nx / B);
  const gy = Math.ceil(ny / B);
  const gz = Math.ceil(nz / B);
  const labels = new BigUint64Array(nx * ny * nz);
  const bits: number[] = [];
  const padding: { block: number; value: bigint }[] = [];
  for (let bz = 0; bz < gz; bz++)
    for (let by = 0; by < gy; by++)
      for (let bx = 0; bx < gx; bx++) {
        const block = bx + gx * (by + gy * bz);
        const h0 = word(2 * block);
        const tableOffset = h0 & 0xffffff; // 24-bit little-endian
        const encodedBits = h0 >>> 24;
        const valuesOffset = word(2 * block + 1);
        if (![0, 1, 2, 4, 8, 16, 32].includes(encodedBits)) throw new Error(`block ${block}: encodedBits ${encodedBits}`);
        bits.push(encodedBits);
        for (let z = 0; z < B; z++)
          for (let y = 0; y < B; y++)
            for (let x = 0; x < B; x++) {
              let index = 0;
              if (encodedBits > 0) {
                const bitOffset = encodedBits * (x + B * (y + B * z));
                const w = word(valuesOffset + Math.floor(bitOffset / 32));
                index = Number((BigInt(w) >> BigInt(bitOffset % 32)) & ((1n << BigInt(encodedBits)) - 1n));
              }
              const value = view.getBigUint64(channelByte + 4 * (tableOffset + 2 * index), true);
              const X = bx * B + x;
              const Y = by * B + y;
              const Z = bz * B + z;
              if (X < nx && Y < ny && Z < nz) labels[X + nx * (Y + ny * Z)] = value;
              else padding.push({ block, value });
            }
      }
  return { labels, bits, padding };
}

