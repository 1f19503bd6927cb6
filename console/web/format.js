// How the console writes UUIDs, sizes, extents and times.

/** The first 8 characters of a UUID, as DVID users quote them. */
export function shortUuid(uuid) {
  return typeof uuid === "string" ? uuid.slice(0, 8) : "";
}

const UNITS = { nanometers: "nm", nanometer: "nm", micrometers: "µm", micrometer: "µm", microns: "µm", millimeters: "mm", meters: "m" };

/** `[8, 8, 40]` → "8 × 8 × 40". */
export function triple(v) {
  return Array.isArray(v) ? v.join(" × ") : "—";
}

/** VoxelSize with VoxelUnits: "8 × 8 × 8 nm" (one unit when all agree). */
export function voxelSize(size, units) {
  if (!Array.isArray(size)) return "—";
  const u = Array.isArray(units) ? units.map((x) => UNITS[String(x).toLowerCase()] ?? String(x)) : [];
  if (u.length === 3 && u[0] === u[1] && u[1] === u[2]) return `${triple(size)} ${u[0]}`;
  if (u.length === 3) return size.map((s, i) => `${s} ${u[i]}`).join(" × ");
  return triple(size);
}

/** Voxel count of an inclusive box, in words: "64 × 64 × 32 voxels". */
export function boxSize(min, max) {
  return `${[0, 1, 2].map((i) => max[i] - min[i] + 1).join(" × ")} voxels`;
}

/** A timestamp as local date and time, or "" when absent or unreadable. */
export function when(text) {
  if (typeof text !== "string" || text === "") return "";
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? text : d.toLocaleString();
}

/** Truncates to n characters with an ellipsis. */
export function truncate(text, n) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

/** `http://127.0.0.1:8000` → `127.0.0.1:8000`. */
export function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
