// Preloaded (`node --require`) into the process that test/support/engine-host.ts starts the way
// the Pulumi Node language host does (`node @pulumi/pulumi/cmd/run ...` or
// `node @pulumi/pulumi/cmd/run-policy-pack ...`). It changes nothing about how the SDK finds the
// program, its tsconfig, TypeScript or ts-node; it only
//   - watches the TypeScript module the SDK hands to ts-node (which tsconfig ts-node reads, the
//     compiler options the type-checking language service gets, the TypeScript version);
//   - for a program, replaces the engine's resource monitor by the lab's mocks
//     (scripts/cli/offline/mocks.ts, required lazily, so through the ts-node the SDK registered);
//   - writes what it saw to CMG_ENGINE_LOAD_REPORT when the process exits.
// Plain JavaScript on purpose: nothing here may register a TypeScript loader of its own.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const reportPath = process.env.CMG_ENGINE_LOAD_REPORT;
const mode = process.env.CMG_ENGINE_LOAD_MODE; // "program" | "policy-pack"
const sdkDir = process.env.CMG_ENGINE_LOAD_SDK; // the @pulumi/pulumi the language host located
if (!reportPath || !mode || !sdkDir) throw new Error("langhost-preload: CMG_ENGINE_LOAD_REPORT, _MODE and _SDK must be set");

const report = {
  mode,
  tsconfigRead: [],
  compilerOptions: undefined,
  typescriptVersion: undefined,
  typescriptPath: undefined,
  languageServiceCreated: false,
  registrations: [],
  mocksError: undefined,
};

// The same choice the SDK makes (tsutils.typeScriptRequireStrings): the project's `typescript`
// when it resolves from @pulumi/pulumi, otherwise the vendored TypeScript 3.8.3.
const tsutils = require(path.join(sdkDir, "tsutils"));
const { typescriptRequire } = tsutils.typeScriptRequireStrings();
const tsPath = require.resolve(typescriptRequire, { paths: [sdkDir] });
const realTs = require(tsPath);
// TypeScript 5's exports are getters: shadow them on an object that inherits everything else.
const watched = Object.create(realTs, {
  readConfigFile: {
    value(fileName, readFile) {
      report.tsconfigRead.push(path.resolve(fileName));
      return realTs.readConfigFile(fileName, readFile);
    },
  },
  createLanguageService: {
    value(host, ...rest) {
      report.languageServiceCreated = true;
      report.compilerOptions = host.getCompilationSettings();
      return realTs.createLanguageService(host, ...rest);
    },
  },
});
require.cache[tsPath].exports = watched;
report.typescriptVersion = realTs.version;
report.typescriptPath = tsPath;

if (mode === "program") {
  const pulumi = require(sdkDir);
  const root = process.env.CMG_ENGINE_LOAD_ROOT;
  let lab;
  const mocks = () => {
    if (!lab) {
      try {
        lab = require(path.join(root, "scripts", "cli", "offline", "mocks.ts")).labMocks();
      } catch (e) {
        report.mocksError = String((e && e.stack) || e);
        throw e;
      }
    }
    return lab;
  };
  void pulumi.runtime.setMocks(
    {
      newResource(args) {
        report.registrations.push({ type: args.type, name: args.name, custom: args.custom });
        return mocks().newResource(args);
      },
      call(args) {
        return mocks().call(args);
      },
    },
    process.env.PULUMI_NODEJS_PROJECT,
    process.env.PULUMI_NODEJS_STACK,
    process.env.PULUMI_NODEJS_DRY_RUN === "true",
  );
  // The engine's monitor answers SignalAndWaitForShutdown (cmd/run calls it before exiting); the mock monitor has no such method.
  const monitor = pulumi.runtime.getMonitor();
  if (typeof monitor.signalAndWaitForShutdown !== "function") monitor.signalAndWaitForShutdown = (_req, cb) => cb(null, {});
}

// A policy pack serves gRPC until it is stopped: end it cleanly so that the report is written.
process.on("SIGTERM", () => process.exit(0));

process.on("exit", (code) => {
  const entry = process.env.CMG_ENGINE_LOAD_ENTRY;
  const mod = entry ? require.cache[entry] : undefined;
  const loaded = Object.keys(require.cache);
  const out = {
    ...report,
    exitCode: code,
    cwd: process.cwd(),
    entryLoaded: mod !== undefined && mod.loaded,
    entryExports: mod && mod.exports ? Object.keys(mod.exports).sort() : [],
    providerModules: loaded.filter((f) => /[\\/]node_modules[\\/]@pulumi[\\/](azure-native|azuread|random)[\\/]/.test(f)),
    projectModules: loaded.filter((f) => /\.ts$/.test(f) && !/[\\/]node_modules[\\/]/.test(f)).sort(),
  };
  fs.writeFileSync(reportPath, JSON.stringify(out, null, 1));
});
