/**
 * `npm run bench`: how long the offline plan takes, as a user runs it (a fresh process, Node
 * start-up and TypeScript loading included), for the default lab and for a 25-client workshop lab,
 * and the diagnosis's throughput and heap over a 100 MB log. Prints the median and the spread of
 * several runs. Figures, not assertions: tests never time.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { runCli } from "./cli";

const USAGE = `usage: npm run bench

Times the offline plan as a user runs it (a fresh process each run, Node start-up included) for
the default lab and a 25-client workshop lab, and measures the diagnosis's throughput and heap
over a generated 100 MB log. Prints figures, asserts nothing. BENCH_RUNS=N sets the runs (7).

  -h, --help  show this help
`;

const PROJECT_DIR = path.resolve(__dirname, "..", "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

/** The default lab's stack file with `n` clients, half of them on the internet side. */
export function workshopConfig(n: number): string {
  const doc = parseDocument(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8"));
  const clients = Array.from({ length: n }, (_, i) => ({
    name: `win11-${String(i + 1).padStart(2, "0")}`,
    os: "windows-11",
    network: i % 2 === 0 ? "internet" : "intranet",
  }));
  doc.setIn(["config", "cmg-lab:clients"], clients);
  return doc.toString();
}

function timeRuns(args: string[]): number[] {
  const tsx = path.join(PROJECT_DIR, "node_modules", "tsx", "dist", "cli.mjs");
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [tsx, path.join(PROJECT_DIR, "scripts", "cli", "plan.ts"), ...args], {
      cwd: PROJECT_DIR,
      encoding: "utf8",
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`plan failed (${r.status}): ${r.stderr}`);
    times.push(ms);
  }
  return times.sort((a, b) => a - b);
}

function report(label: string, times: number[]): void {
  const median = times[Math.floor(times.length / 2)] ?? NaN;
  console.log(
    `${label.padEnd(34)} median ${(median / 1000).toFixed(2)} s  (min ${((times[0] ?? NaN) / 1000).toFixed(2)}, ` +
      `max ${((times[times.length - 1] ?? NaN) / 1000).toFixed(2)}, ${times.length} runs)`,
  );
}

/**
 * Throughput and heap of the diagnosis over a generated 100 MB log (streamed, never on disk): a
 * CMTrace log, and plain text such as dsregcmd or NetSetup output (plain records are also tested
 * against the context markers, see stacks/diagnosis/signatures.ts).
 */
async function benchDiagnose(label: string, line: string, failing: string): Promise<void> {
  const { Readable } = await import("node:stream");
  const { diagnoseStreamDetailed } = await import("../../stacks/diagnosis/diagnose");
  const chunk = Buffer.from(line.repeat(Math.floor((1 << 20) / line.length)));
  const failingLine = Buffer.from(failing);
  const megabytes = 100;
  function* generate(): Generator<Buffer> {
    for (let i = 0; i < megabytes; i++) yield i === 50 ? Buffer.concat([failingLine, chunk]) : chunk;
  }
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  const timer = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 5);
  const t0 = process.hrtime.bigint();
  const result = await diagnoseStreamDetailed(Readable.from(generate()));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(timer);
  console.log(
    `${label.padEnd(34)} ${(megabytes / seconds).toFixed(0)} MB/s, heap ${(heapBefore / (1 << 20)).toFixed(1)} MB before, ` +
      `${(heapPeak / (1 << 20)).toFixed(1)} MB peak (sampled every 5 ms), ${result.findings.length} finding(s)`,
  );
}

async function benchDiagnoseAll(): Promise<void> {
  await benchDiagnose(
    "diagnose, 100 MB CMTrace stream",
    '<![LOG[[CCMHTTP] OK: URL=https://cmglab.westeurope.cloudapp.azure.com/CCM_Proxy_ServerAuth/1/ping, Code=0]LOG]!><time="10:41:07.512+000" date="11-18-2024" component="LocationServices" context="" type="1" thread="1" file="">\r\n',
    '<![LOG[AAD user with ID 1 and SID S-1-5-21-1 is not completely discovered]LOG]!><time="1" date="1" component="CCM_STS" context="" type="3" thread="1" file="">\r\n',
  );
  await benchDiagnose(
    "diagnose, 100 MB plain-text stream",
    "04/02/2024 10:11:12:123 NetpDsGetDcName: status of verifying DNS A record name resolution for 'DC01.corp.cmglab.example': 0x0\r\n",
    "04/02/2024 10:11:12:124 NetpDsGetDcName: failed to find a DC in the specified domain: 0xa8b, last error is 0x0\r\n",
  );
}

function main(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cmg-lab-bench-"));
  try {
    const workshop = path.join(dir, "Pulumi.workshop.yaml");
    fs.writeFileSync(workshop, workshopConfig(25));
    console.log(`cmg-lab offline plan, wall time per run including Node start-up (${os.cpus().length} cores, Node ${process.version})`);
    report("default lab (Pulumi.dev.yaml)", timeRuns([]));
    report("default lab, --json", timeRuns(["--json"]));
    report("25-client workshop lab", timeRuns(["--stack", "workshop", "--config-file", workshop]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runCli({ name: "bench", usage: USAGE, options: {} }, process.argv.slice(2), async () => {
    main();
    await benchDiagnoseAll();
    return 0;
  });
}
