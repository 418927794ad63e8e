import * as pulumi from "@pulumi/pulumi";
import { stepDef, type StepId } from "../stacks/model/runbook";

/** The component type token of a runbook step; the plan and the tests find steps by it. */
export const LAB_STEP_TYPE = "cmg-lab:runbook:Step";

export interface LabStepArgs {
  /** Required. The runbook step this component carries out; also its logical name. */
  readonly step: StepId;
  /**
   * Required. The components of the steps this one waits for: every resource created under this
   * step depends on every resource under each of them. Empty for a step that needs nothing.
   */
  readonly after: readonly LabStep[];
  /** Required. Tags every taggable Azure resource of the lab carries (lab, stack, expiresOn). */
  readonly labTags: Readonly<Record<string, string>>;
}

/**
 * One runbook step. Every resource created with this component as its parent (directly or
 * through child components) waits for all resources of the steps in `after`.
 *
 * Why a transformation: in Pulumi, `dependsOn` on a component does not make its children wait,
 * so the wait has to reach each child. The component's resource transformation is inherited by
 * every descendant and adds the `dependsOn` there; the Node SDK expands a component in
 * `dependsOn` into all its custom-resource descendants. Legacy `transformations` (not the newer
 * `transforms`) because they run in the SDK: under Pulumi's mock runtime, which the offline plan
 * and the tests use, the engine-side `transforms` never run and the edges would be invisible.
 */
export class LabStep extends pulumi.ComponentResource {
  /** The runbook step id. */
  public readonly step: StepId;
  /** The steps this one waits for. */
  public readonly after: readonly LabStep[];
  /** Tags for this step's Azure resources: the lab tags plus `step`. */
  public readonly tags: Readonly<Record<string, string>>;

  constructor(args: LabStepArgs, opts?: pulumi.ComponentResourceOptions) {
    const waitFor = [...args.after];
    const addWaits: pulumi.ResourceTransformation = (t) =>
      t.type === LAB_STEP_TYPE || waitFor.length === 0
        ? undefined
        : { props: t.props, opts: pulumi.mergeOptions(t.opts, { dependsOn: waitFor }) };
    super(LAB_STEP_TYPE, args.step, {}, pulumi.mergeOptions(opts, { transformations: [addWaits] }));
    stepDef(args.step); // fail fast on an id that is not in the runbook
    this.step = args.step;
    this.after = waitFor;
    this.tags = Object.freeze({ ...args.labTags, step: args.step });
    this.registerOutputs({});
  }
}
