/**
 * The policy pack as the engine runs it, minus the CLI (which this project cannot install): the
 * pack directory is started with the Pulumi Node SDK's own policy runner
 * (`@pulumi/pulumi/cmd/run-policy-pack`, which the CLI's nodejs host launches with the pack
 * directory as working directory and compiles TypeScript with ts-node), and the test talks to it
 * over gRPC with the engine's Analyzer protocol: GetAnalyzerInfo, AnalyzeStack over the real
 * default lab graph (and the same graph with one edge dropped), and Analyze of one resource.
 *
 * The gRPC and protobuf modules are the ones the SDK and the policy SDK use (their dependencies).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct, type JavaScriptValue } from "google-protobuf/google/protobuf/struct_pb";
import * as apb from "@pulumi/pulumi/proto/analyzer_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { evaluateLab } from "../scripts/cli/offline/evaluate";
import { POLICIES } from "../stacks/policy-pack/policies";
import { sampleConfig } from "./support/sample-config";

const ROOT = path.resolve(__dirname, "..");
const PACK_DIR = path.join(ROOT, "stacks", "policy-pack");

interface Node {
  urn: string;
  type: string;
  name: string;
  parent: string | undefined;
  dependencies: string[];
  props: Record<string, unknown>;
  custom: boolean;
}

let pack: ChildProcess | undefined;
let client: AnalyzerClient;
let graph: Node[];

type Callback<Res> = (err: grpc.ServiceError | null, res: Res) => void;
function settle<Res>(resolve: (r: Res) => void, reject: (e: Error) => void): Callback<Res> {
  return (err, res) => (err ? reject(err) : resolve(res));
}
const rpc = {
  info: (): Promise<apb.AnalyzerInfo> => new Promise((ok, fail) => client.getAnalyzerInfo(new Empty(), settle(ok, fail))),
  analyze: (req: apb.AnalyzeRequest): Promise<apb.AnalyzeResponse> => new Promise((ok, fail) => client.analyze(req, settle(ok, fail))),
  analyzeStack: (req: apb.AnalyzeStackRequest): Promise<apb.AnalyzeResponse> =>
    new Promise((ok, fail) => client.analyzeStack(req, settle(ok, fail))),
};

function toStruct(value: Record<string, unknown>): Struct {
  return Struct.fromJavaScript(JSON.parse(JSON.stringify(value)) as Record<string, JavaScriptValue>);
}

function analyzerResource(r: Node): apb.AnalyzerResource {
  const a = new apb.AnalyzerResource();
  a.setType(r.type);
  a.setUrn(r.urn);
  a.setName(r.name);
  a.setProperties(toStruct(r.props));
  if (r.parent) a.setParent(r.parent);
  a.setDependenciesList(r.dependencies);
  a.setOptions(new apb.AnalyzerResourceOptions());
  if (r.custom) {
    // The engine reports the provider of every custom resource; components have none.
    const pkg = r.type.split(":")[0] ?? "x";
    const p = new apb.AnalyzerProviderResource();
    p.setType(`pulumi:providers:${pkg}`);
    p.setUrn(`urn:pulumi:dev::cmg-lab::pulumi:providers:${pkg}::default`);
    p.setName("default");
    p.setProperties(toStruct({}));
    a.setProvider(p);
  }
  return a;
}

interface Diagnostic {
  policy: string;
  mandatory: boolean;
  urn: string;
  message: string;
}

async function analyzeStack(nodes: Node[]): Promise<Diagnostic[]> {
  const req = new apb.AnalyzeStackRequest();
  req.setResourcesList(nodes.map(analyzerResource));
  const res = await rpc.analyzeStack(req);
  return res.getDiagnosticsList().map((d) => ({
    policy: d.getPolicyname(),
    mandatory: d.getEnforcementlevel() === apb.EnforcementLevel.MANDATORY,
    urn: d.getUrn(),
    message: d.getMessage(),
  }));
}

beforeAll(async () => {
  const ev = await evaluateLab(sampleConfig());
  graph = ev.resources.map((r) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    parent: r.parent,
    dependencies: [...r.dependencies],
    props: r.plainInputs,
    custom: r.custom,
  }));

  const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [PACK_DIR] });
  // Arguments as the CLI's nodejs host passes them: engine address (unused here), then the pack directory.
  const child = spawn(process.execPath, [runner, "127.0.0.1:0", PACK_DIR], { cwd: PACK_DIR, stdio: ["ignore", "pipe", "pipe"] });
  pack = child;
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`policy pack did not start within 90 s:\n${stderr}`)), 90_000);
    child.stdout?.once("data", (d: Buffer) => {
      clearTimeout(timer);
      resolve(d.toString().trim());
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`policy pack exited with ${code}:\n${stderr}`));
    });
  });
  expect(port).toMatch(/^\d+$/);
  client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 120_000);

afterAll(() => {
  client?.close();
  if (pack?.pid !== undefined && pack.exitCode === null) pack.kill();
});

describe("the pack under the SDK's policy runner", () => {
  it("announces its name, version, policies and config schema", async () => {
    const info = await rpc.info();
    expect(info.getName()).toBe("cmg-lab-guardrails");
    expect(info.getVersion()).toBe("0.1.0");
    expect(info.getPoliciesList().map((p) => p.getName())).toEqual(POLICIES.map((p) => p.name));
    const secret = info.getPoliciesList().find((p) => p.getName() === "entra-secret-lifetime");
    expect(secret?.getConfigschema()?.getProperties()?.toJavaScript()).toMatchObject({ maxSecretDays: { type: "integer", default: 90 } });
  });

  it("finds no violation in the default lab's graph", async () => {
    expect(await analyzeStack(graph)).toEqual([]);
  });

  it("stops a graph with one dropped edge, naming the steps (mandatory)", async () => {
    const nic = graph.find((r) => r.name === "dc01-nic");
    const broken = graph.map((r) => (r === nic ? { ...r, dependencies: r.dependencies.filter((d) => !d.endsWith("::admin-admin-password")) } : r));
    const diagnostics = await analyzeStack(broken);
    expect(diagnostics).toEqual([
      { policy: "runbook-order", mandatory: true, urn: nic?.urn, message: expect.stringContaining("runbook step 'dc-vm' does not wait for 'credentials'") },
    ]);
  });

  it("stops an NSG rule that opens RDP to the internet (resource analysis)", async () => {
    const req = new apb.AnalyzeRequest();
    req.setType("azure-native:network:NetworkSecurityGroup");
    req.setUrn("urn:pulumi:dev::cmg-lab::azure-native:network:NetworkSecurityGroup::open");
    req.setName("open");
    req.setOptions(new apb.AnalyzerResourceOptions());
    req.setProperties(
      toStruct({ securityRules: [{ name: "open-rdp", direction: "Inbound", access: "Allow", protocol: "Tcp", sourceAddressPrefix: "*", destinationPortRange: "3389" }] }),
    );
    const res = await rpc.analyze(req);
    const d = res.getDiagnosticsList().map((x) => ({ policy: x.getPolicyname(), mandatory: x.getEnforcementlevel() === apb.EnforcementLevel.MANDATORY }));
    expect(d).toEqual([{ policy: "no-internet-admin-ports", mandatory: true }]);
  });
});
