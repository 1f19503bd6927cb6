#!/usr/bin/env node
// The `dvidcloud` command. The package ships TypeScript sources and runs them through tsx.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../automation/cli.ts");
const controller = new AbortController();
process.once("SIGINT", () => controller.abort(new Error("interrupted (SIGINT)")));
process.exitCode = await runCli(process.argv.slice(2), undefined, controller.signal);
