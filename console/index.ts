export { CONSOLE_DIR, NEUROGLANCER_DIR } from "./paths.js";
export { serveConsole, type ServeConsoleOptions } from "./serve-console.js";
export {
  neuroglancerUrl,
  consoleUrl,
  boxCentre,
  layerTypeFor,
  serverOrigin,
  LAYER_TYPES,
  VIEWABLE_TYPES,
  type LayerType,
  type NeuroglancerLayer,
  type NeuroglancerUrlOptions,
  type ConsoleUrlOptions,
} from "../volume-client/wire/neuroglancer-url.js";
