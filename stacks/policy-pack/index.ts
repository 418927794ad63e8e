/**
 * Entry of the cmg-lab guardrails policy pack. The engine runs this file (compiled on the fly by
 * the SDK's ts-node) when a preview or update names this directory with `--policy-pack`;
 * constructing the PolicyPack starts the pack's gRPC server, so nothing else imports this file.
 * The policies themselves live in ./policies.ts.
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies";

new PolicyPack("cmg-lab-guardrails", {
  description:
    "Guardrails of the cmg-lab ConfigMgr CMG lab: no internet-facing admin ports, VMs that shut down nightly and expire, " +
    "secrets only as protected run-command parameters, short-lived Entra client secrets, and the runbook's order.",
  displayName: "cmg-lab guardrails",
  provider: "azure",
  tags: ["azure", "cmg-lab", "lab"],
  enforcementLevel: "mandatory",
  policies: [...POLICIES],
});
