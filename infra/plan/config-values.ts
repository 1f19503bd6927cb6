/**
 * Pulumi stack configuration arrives as strings (`pulumi config set nodes 3` stores "3"); this
 * turns them into typed ClusterInput before validation. Pure.
 */
import { CLUSTER_KEYS, RENAMED_KEYS, rejectUnknownKeys, type ClusterInput, type ClusterKey } from "./cluster-settings.js";
import { invalid } from "./validation.js";

const INTEGER_KEYS: readonly ClusterKey[] = ["nodes", "diskSizeGb", "port"];
const BOOLEAN_KEYS: readonly ClusterKey[] = ["deleteData"];
const LIST_KEYS: readonly ClusterKey[] = ["sourceRanges"];

/**
 * Splits a list value: either a JSON array (what `pulumi config set --path 'sourceRanges[0]' …`
 * stores) or a comma/space-separated string (`pulumi config set sourceRanges "a/32,b/24"`).
 */
export function parseListValue(key: string, text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw invalid(key, "must be a JSON list or a comma-separated list", text);
    }
    if (!Array.isArray(parsed)) throw invalid(key, "must be a JSON list or a comma-separated list", text);
    return parsed;
  }
  return trimmed.split(/[\s,]+/).filter((item) => item !== "");
}

/**
 * Converts raw config strings (keys without the `dvidcloud:` namespace) to ClusterInput.
 * Unknown keys are rejected; absent or empty values stay undefined so defaults apply.
 */
export function parseConfigValues(raw: Record<string, string | undefined>): ClusterInput {
  const values: Record<string, string | undefined> = { ...raw };
  // Stack config keys of earlier versions (RENAMED_KEYS) are still read so existing stacks keep
  // working: each stands for its new key when that one is not set. `forceDestroy = true` asked
  // for what `deleteData` does.
  for (const [legacy, key] of Object.entries(RENAMED_KEYS)) {
    const legacyText = values[legacy];
    delete values[legacy];
    if (legacyText === undefined || legacyText.trim() === "") continue;
    if (!/^(true|false)$/i.test(legacyText.trim())) throw invalid(legacy, "must be true or false", legacyText);
    if (values[key] === undefined || values[key]!.trim() === "") values[key] = legacyText;
  }
  rejectUnknownKeys(values, CLUSTER_KEYS, "config key");
  const input: ClusterInput = {};
  for (const key of CLUSTER_KEYS) {
    const text = values[key];
    if (text === undefined || text.trim() === "") continue;
    if (INTEGER_KEYS.includes(key)) {
      if (!/^-?\d+$/.test(text.trim())) throw invalid(key, "must be an integer", text);
      input[key] = Number(text.trim());
    } else if (BOOLEAN_KEYS.includes(key)) {
      const word = text.trim().toLowerCase();
      if (word !== "true" && word !== "false") throw invalid(key, "must be true or false", text);
      input[key] = word === "true";
    } else if (LIST_KEYS.includes(key)) {
      input[key] = parseListValue(key, text);
    } else {
      input[key] = text.trim();
    }
  }
  return input;
}
