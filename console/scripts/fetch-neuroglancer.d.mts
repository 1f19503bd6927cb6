// Types of fetch-neuroglancer.mjs (plain JS so that it runs under `npm ci` before tsx exists).
export declare const PACKAGE: string;
export declare const VERSION: string;
export declare const INTEGRITY: string;
export declare const DEFAULT_DEST: string;
export declare function integrityOf(bytes: Uint8Array): string;
export declare function isPresent(dest?: string): boolean;
export declare function tarFiles(tar: Uint8Array): Generator<{ path: string; data: Uint8Array }>;
export declare function extractViewer(tarball: Uint8Array, dest: string, integrity?: string): number;
export declare function fetchNeuroglancer(options?: {
  dest?: string;
  force?: boolean;
}): { fetched: false; dest: string } | { fetched: true; dest: string; files: number };
