import { describe, expect, it } from "@jest/globals";
import { automation } from "@pulumi/pulumi";
import { DvidcloudError } from "../../automation/errors.js";
import { toDvidcloudError } from "../../automation/gcp/index.js";

// The Automation API builds its errors from a CommandResult with createCommandError (both
// exported at run time, internal in the typings); use them to get exactly what it would throw.
const internals = automation as unknown as {
  CommandResult: new (stdout: string, stderr: string, code: number, err?: Error) => unknown;
  createCommandError: (result: unknown) => automation.CommandError;
};

function pulumiError(stderr: string, code = 255, spawnError?: Error): automation.CommandError {
  return internals.createCommandError(new internals.CommandResult("", stderr, code, spawnError));
}

describe("Pulumi errors to DvidcloudError", () => {
  it("maps a locked stack (ConcurrentUpdateError) to STACK_LOCKED and keeps the Pulumi error as cause", () => {
    const locked = pulumiError("error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.");
    expect(locked).toBeInstanceOf(automation.ConcurrentUpdateError);
    const err = toDvidcloudError(locked, { operation: "up", stack: "demo" });
    expect(err).toBeInstanceOf(DvidcloudError);
    expect(err.code).toBe("STACK_LOCKED");
    expect(err.cause).toBe(locked);
    // The hint names the fully qualified stack and the backend (self-managed backends: "organization").
    expect(err.message).toContain("pulumi cancel --stack organization/dvidcloud/demo");
    expect(err.message).toContain("dvidcloud repair demo --target gcp");
  });

  it("names the backend URL and the fully qualified stack in the STACK_LOCKED hint, per kind of backend", () => {
    const locked = pulumiError("error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.");
    const file = toDvidcloudError(locked, { operation: "destroy", stack: "demo", backendUrl: "file:///home/u/.dvidcloud/pulumi" });
    expect(file.message).toContain("stack organization/dvidcloud/demo in file:///home/u/.dvidcloud/pulumi is locked");
    expect(file.message).toContain("`PULUMI_BACKEND_URL=file:///home/u/.dvidcloud/pulumi pulumi cancel --stack organization/dvidcloud/demo`");
    const cloud = toDvidcloudError(locked, { operation: "up", stack: "demo", backendUrl: "https://api.pulumi.com" });
    expect(cloud.message).toContain("pulumi cancel --stack <org>/dvidcloud/demo`");
    expect(cloud.message).toContain("<org>: your Pulumi Cloud organization");
  });

  it("maps Pulumi Cloud's 409 conflict to STACK_LOCKED as well", () => {
    const conflict = pulumiError("error: [409] Conflict: Another update is currently in progress.");
    expect(toDvidcloudError(conflict, { operation: "destroy", stack: "demo" }).code).toBe("STACK_LOCKED");
  });

  it("maps a missing stack (StackNotFoundError) to STACK_NOT_FOUND naming the cluster and the backend", () => {
    const missing = pulumiError("error: no stack named 'demo' found");
    expect(missing).toBeInstanceOf(automation.StackNotFoundError);
    const err = toDvidcloudError(missing, { operation: "status", stack: "demo", backendUrl: "file:///home/u/.dvidcloud/pulumi" });
    expect(err.code).toBe("STACK_NOT_FOUND");
    expect(err.message).toBe('no gcp cluster named "demo": no Pulumi stack of that name in file:///home/u/.dvidcloud/pulumi');
    expect(err.cause).toBe(missing);
  });

  it("maps a CLI that cannot be spawned to PULUMI_CLI_MISSING with install instructions", () => {
    const enoent = Object.assign(new Error("spawn pulumi ENOENT"), { code: "ENOENT" });
    const err = toDvidcloudError(pulumiError("spawn pulumi ENOENT", -2, enoent), { operation: "up", stack: "demo" });
    expect(err.code).toBe("PULUMI_CLI_MISSING");
    expect(err.message).toContain("curl -fsSL https://get.pulumi.com | sh");
  });

  it("maps any failure after an abort to ABORTED", () => {
    const controller = new AbortController();
    controller.abort();
    const interrupted = pulumiError("error: update canceled", 255);
    const err = toDvidcloudError(interrupted, { operation: "up", stack: "demo", signal: controller.signal });
    expect(err.code).toBe("ABORTED");
    expect(err.cause).toBe(interrupted);
  });

  it("maps other failures to PULUMI_FAILED, quoting the engine's error diagnostics and the exit code", () => {
    const failed = pulumiError("error: update failed", 255);
    const err = toDvidcloudError(failed, {
      operation: "up",
      stack: "demo",
      diagnostics: ["error: googleapi: Error 403: Secret Manager API has not been used in project my-project"],
    });
    expect(err.code).toBe("PULUMI_FAILED");
    expect(err.message).toBe(
      'pulumi up of cluster "demo" failed (exit code 255): error: googleapi: Error 403: Secret Manager API has not been used in project my-project',
    );
    expect(err.cause).toBe(failed);
  });

  it("passes DvidcloudErrors through unchanged", () => {
    const own = new DvidcloudError("INVALID_OPTION", "bad");
    expect(toDvidcloudError(own, { operation: "up" })).toBe(own);
  });
});
