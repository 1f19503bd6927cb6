// What a client expects to read back: per version, the value of every voxel it owns. A write the
// client saw succeed sets the voxels; a write that failed may still have landed (in part or
// whole), so its values become allowed alternatives until a later acknowledged write settles
// the voxel. Log entries and keys are acknowledged (must be there) or unknown (may be there).

export type BoxZyx = [[number, number], [number, number], [number, number]];

class VersionVoxels {
  readonly expected: Uint8Array;
  /** Voxel index → other values a failed write may have left there. */
  readonly alternatives: Map<number, Set<number>>;
  constructor(expected: Uint8Array, alternatives: Map<number, Set<number>>) {
    this.expected = expected;
    this.alternatives = alternatives;
  }
}

export interface Mismatch {
  lost: number;
  wrong: number;
  first?: string;
}

export class VoxelLedger {
  readonly #versions = new Map<string, VersionVoxels>();
  readonly #sy: number;
  constructor(
    readonly shapeZyx: readonly [number, number, number],
    readonly y0: number,
    readonly y1: number,
  ) {
    this.#sy = y1 - y0;
  }

  get versions(): string[] {
    return [...this.#versions.keys()];
  }

  /** A new version starts as a copy of its parent (copy-on-write), or all zeros. */
  addVersion(uuid: string, parent: string | undefined): void {
    if (this.#versions.has(uuid)) return;
    const from = parent === undefined ? undefined : this.#versions.get(parent);
    const [nz, , nx] = this.shapeZyx;
    const expected = from ? from.expected.slice() : new Uint8Array(nz * this.#sy * nx);
    const alternatives = new Map<number, Set<number>>();
    for (const [i, set] of from?.alternatives ?? []) alternatives.set(i, new Set(set));
    this.#versions.set(uuid, new VersionVoxels(expected, alternatives));
  }

  #index(z: number, y: number, x: number): number {
    return (z * this.#sy + (y - this.y0)) * this.shapeZyx[2] + x;
  }

  /** Records a write of `values` (C order over `box`); `acknowledged` false: the outcome is unknown. */
  record(uuid: string, box: BoxZyx, values: Uint8Array, acknowledged: boolean): void {
    const v = this.#versions.get(uuid)!;
    let k = 0;
    for (let z = box[0][0]; z < box[0][1]; z++) {
      for (let y = box[1][0]; y < box[1][1]; y++) {
        for (let x = box[2][0]; x < box[2][1]; x++, k++) {
          const i = this.#index(z, y, x);
          const value = values[k]!;
          if (acknowledged) {
            v.expected[i] = value;
            v.alternatives.delete(i);
          } else if (value !== v.expected[i]) {
            let set = v.alternatives.get(i);
            if (!set) v.alternatives.set(i, (set = new Set()));
            set.add(value);
          }
        }
      }
    }
  }

  /** Compares what was read over `box` (C order) with what the ledger allows. */
  compare(uuid: string, box: BoxZyx, read: Uint8Array): Mismatch {
    const v = this.#versions.get(uuid)!;
    const result: Mismatch = { lost: 0, wrong: 0 };
    let k = 0;
    for (let z = box[0][0]; z < box[0][1]; z++) {
      for (let y = box[1][0]; y < box[1][1]; y++) {
        for (let x = box[2][0]; x < box[2][1]; x++, k++) {
          const i = this.#index(z, y, x);
          const got = read[k]!;
          if (got === v.expected[i] || v.alternatives.get(i)?.has(got)) continue;
          if (got === 0) result.lost++;
          else result.wrong++;
          result.first ??= `version ${uuid} voxel z=${z} y=${y} x=${x}: read ${got}, expected ${v.expected[i]}${
            v.alternatives.has(i) ? ` or one of ${[...v.alternatives.get(i)!].join(",")}` : ""
          }`;
        }
      }
    }
    return result;
  }
}

/** Entries that were acknowledged (must be found) and entries whose outcome is unknown (may be). */
export class EntryLedger<V> {
  readonly acknowledged = new Map<string, V>();
  readonly unknown = new Map<string, V>();
  record(key: string, value: V, acknowledged: boolean): void {
    (acknowledged ? this.acknowledged : this.unknown).set(key, value);
  }
}
