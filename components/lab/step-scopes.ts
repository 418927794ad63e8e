import type * as pulumi from "@pulumi/pulumi";
import { RUNBOOK, stepDef, transitiveNeeds, type StepId } from "../../stacks/model/runbook";
import { LabStep } from "../lab-step";

/**
 * Opens the runbook's step components in runbook order. A step waits for every *built* step it
 * needs; where a needed step has no resources yet, its own needs are waited for instead, so
 * the order of the table holds even while steps are being filled in.
 */
export class StepScopes {
  private readonly open = new Map<StepId, LabStep>();

  constructor(
    private readonly lab: pulumi.ComponentResource,
    private readonly tags: Record<string, string>,
  ) {}

  /** The step's component, opened on first use; throws when a step that needs it is open already. */
  get(id: StepId): LabStep {
    const existing = this.open.get(id);
    if (existing) return existing;
    for (const [openId] of this.open) {
      if (transitiveNeeds(openId).has(id)) {
        throw new Error(`runbook step '${id}' is built after '${openId}', which needs it: build steps in runbook order`);
      }
    }
    const step = new LabStep({ step: id, after: this.builtNeeds(id), labTags: this.tags }, { parent: this.lab });
    this.open.set(id, step);
    return step;
  }

  /** Steps with resources so far, in runbook order. */
  built(): StepId[] {
    return RUNBOOK.map((s) => s.id).filter((id) => this.open.has(id));
  }

  private builtNeeds(id: StepId): LabStep[] {
    const result = new Set<LabStep>();
    const visit = (s: StepId): void => {
      for (const need of stepDef(s).needs) {
        const built = this.open.get(need);
        if (built) result.add(built);
        else visit(need);
      }
    };
    visit(id);
    return [...result];
  }
}
