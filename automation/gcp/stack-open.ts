/**
 * Opening an existing cluster stack (STACK_NOT_FOUND through the caller's error mapping when
 * there is none), shared by down, status, update and repair.
 */
import { automation } from "@pulumi/pulumi";
import type { ResolvedCommonOptions } from "./options.js";
import type { PulumiCliInfo } from "./pulumi-cli.js";
import { PULUMI_PROJECT } from "./stack-naming.js";
import { inlineProgram, workspaceOptions } from "./workspace.js";

export function selectClusterStack(stackName: string, resolved: ResolvedCommonOptions, cli: PulumiCliInfo): Promise<automation.Stack> {
  return automation.LocalWorkspace.selectStack(
    { stackName, projectName: PULUMI_PROJECT, program: inlineProgram },
    workspaceOptions({ ...resolved, cli }),
  );
}
