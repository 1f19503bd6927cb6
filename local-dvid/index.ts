export { createApp, startLocalDvid } from "./server.js";
export type { LocalDvidApp, LocalDvidOptions, RunningLocalDvid, StartOptions } from "./server.js";
export { EXTENSIONS } from "./routes/server-routes.js";
export { MemoryStore } from "./store/memory-store.js";
export type { ObjectStore, StoredObject, PutOptions, DeleteOptions } from "./store/object-store.js";
export { LocalDvidError, isLocalDvidError } from "./errors.js";
export type { LocalDvidErrorCode } from "./errors.js";
