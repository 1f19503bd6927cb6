// Types of neuroglancer-url.js (plain JS because the console page loads it as is in the browser,
// served by console/serve-console.ts at /console/neuroglancer-url.js).

export type LayerType = "image" | "segmentation";

/** One neuroglancer layer: a DVID instance and how to show it. */
export interface NeuroglancerLayer {
  /** DVID instance name. */
  readonly name: string;
  /** "image" for uint8blk, "segmentation" for labelblk / labelarray / labelmap. */
  readonly type: LayerType;
}

export interface NeuroglancerUrlOptions {
  /** The DVID as the browser reaches it: `scheme://host:port`, no path. */
  readonly serverUrl: string;
  /** Version UUID, unique prefix, or `prefix:branch`. */
  readonly uuid: string;
  /** At least one layer; names unique. */
  readonly layers: readonly NeuroglancerLayer[];
  /** `[x, y, z]` in voxels (neuroglancer's axis order). Default: neuroglancer's choice. */
  readonly position?: readonly [number, number, number];
  /** `[x, y, z]` in nanometres (truncated to whole nm, as neuroglancer reads DVID). Default: none (no `dimensions` in the state). */
  readonly voxelSize?: readonly [number, number, number];
  /** The viewer's page. Default `<serverUrl>/ng/`. */
  readonly viewerBase?: string;
  /** neuroglancer layout. Default "4panel". */
  readonly layout?: string;
}

export interface ConsoleUrlOptions {
  /** Where the console is served, e.g. "http://127.0.0.1:8000/". */
  readonly base: string;
  /** The DVID the console talks to (`scheme://host:port`). Default: the console's own origin. */
  readonly server?: string;
  /** The cluster's other nodes (`scheme://host:port` each), shown with their health. */
  readonly nodes?: readonly string[];
  /** Show the commit / new version / branch / merge forms. Default false. */
  readonly admin?: boolean;
  /** Repo (any of its UUIDs) the page opens on. */
  readonly repo?: string;
  /** Version the page opens on. */
  readonly version?: string;
}

export declare const LAYER_TYPES: readonly LayerType[];
export declare const VIEWABLE_TYPES: Readonly<Record<"uint8blk" | "labelblk" | "labelarray" | "labelmap", LayerType>>;
export declare function layerTypeFor(typeName: string): LayerType | undefined;
export declare function serverOrigin(serverUrl: string, what?: string, where?: string): string;
export declare function neuroglancerUrl(options: NeuroglancerUrlOptions): string;
export declare function boxCentre(
  minPoint: readonly [number, number, number],
  maxPoint: readonly [number, number, number],
): [number, number, number];
export declare function consoleUrl(options: ConsoleUrlOptions): string;
