/**
 * Pulumi mocks for the infra tests: records every registered resource with its inputs and answers
 * with plausible computed outputs (emails, self links, IP addresses), the way GCP would.
 */
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

export const PROJECT = "dvidcloud";
export const STACK = "test";

export interface MockRecorder {
  resources: RecordedResource[];
  /** The Pulumi type of a resource's parent, read from the URN the mock monitor assigned. */
  parentTypeOf(name: string, type: string): string | undefined;
}

let nextIp = 10;

function computed(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  const project = inputs.project ?? "mock-project";
  const selfLink = `https://www.googleapis.com/compute/v1/projects/${project}/mock/${inputs.name ?? name}`;
  switch (type) {
    case "random:index/randomId:RandomId":
      return { hex: "1a2b3c4d", b64Std: "GisPTQ==", dec: "439041101" };
    case "gcp:serviceaccount/account:Account": {
      const email = `${inputs.accountId}@${project}.iam.gserviceaccount.com`;
      return { email, name: `projects/${project}/serviceAccounts/${email}`, member: `serviceAccount:${email}` };
    }
    case "gcp:serviceaccount/key:Key":
      return { privateKey: Buffer.from('{"type":"service_account"}').toString("base64"), name: `${name}-key` };
    case "gcp:secretmanager/secret:Secret":
      return { name: `projects/${project}/secrets/${inputs.secretId}` };
    case "gcp:compute/instance:Instance":
      return {
        selfLink,
        // GCE's server-assigned id: new for every VM created, even under an old name.
        instanceId: String(7_000_000_000_000_000 + nextIp),
        networkInterfaces: (inputs.networkInterfaces ?? []).map((nic: any) => ({
          ...nic,
          networkIp: `10.128.0.${nextIp}`,
          accessConfigs: (nic.accessConfigs ?? []).map(() => ({ natIp: `203.0.113.${nextIp++}` })),
        })),
      };
    case "gcp:compute/globalAddress:GlobalAddress":
      return { address: "198.51.100.7", selfLink };
    default:
      return { selfLink };
  }
}

export async function installMocks(): Promise<MockRecorder> {
  const resources: RecordedResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        const id = args.type === "gcp:secretmanager/secret:Secret"
          ? `projects/${args.inputs.project}/secrets/${args.inputs.secretId}`
          : `${args.name}-id`;
        return { id, state: { ...args.inputs, ...computed(args.type, args.name, args.inputs) } };
      },
      call(args) {
        return args.inputs;
      },
    },
    PROJECT,
    STACK,
    false,
  );
  return {
    resources,
    parentTypeOf(name, type) {
      // setMocks installs a MockMonitor, which keeps every URN it handed out.
      const monitor = pulumi.runtime.getMonitor() as unknown as { getRegisteredResources(): Map<string, unknown> };
      for (const urn of monitor.getRegisteredResources().keys()) {
        const [, , qualifiedType, resourceName] = urn.split("::");
        const types = qualifiedType!.split("$");
        if (resourceName === name && types[types.length - 1] === type) {
          return types.length > 1 ? types[types.length - 2] : undefined;
        }
      }
      throw new Error(`no registered resource ${type} ${name}`);
    },
  };
}

/** Resolves an Output's value (mocks run with preview=false, so every value becomes known). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => { resolve(value); return value; }));
}

/**
 * Waits until every resource registration started so far has completed: Pulumi's own RPC queue
 * drain (`waitForRPCs`, internal but stable since 3.x), then one more check that the count holds.
 */
export async function settle(recorder: MockRecorder): Promise<void> {
  const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  for (;;) {
    const before = recorder.resources.length;
    if (runtime.waitForRPCs) await runtime.waitForRPCs();
    await new Promise((resolve) => setTimeout(resolve, 10));
    if (recorder.resources.length === before) return;
  }
}
