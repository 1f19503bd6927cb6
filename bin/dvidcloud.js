#!/usr/bin/env node
// The `dvidcloud` command. The package ships TypeScript sources and runs them through tsx.
import { register } from "tsx/esm/api";

register();
const { runFromShell } = await import("../automation/index.ts");
await runFromShell(process.argv.slice(2));
