import { declaredParameters } from "./lint";
import { isSecretParameterName } from "../../../stacks/model/secret-names";
import type { Problem, RunCommandInputs } from "./types";

/**
 * Checks one script against what the TypeScript side passes to its run command:
 * the top-level `param()` names must be exactly the union of `parameters` and
 * `protectedParameters` (same spelling, same case), no name may be in both lists, and a
 * name is protected if and only if `isSecretParameterName` says it is a secret.
 *
 * Pure apart from needing the grammar: `await initPsLint()` once before calling it.
 */
export function checkRunCommandContract(scriptPath: string, scriptText: string, inputs: RunCommandInputs): Problem[] {
  const problems: Problem[] = [];
  const { names, at } = declaredParameters(scriptText);
  const where = at ?? { line: 1, column: 1 };
  const add = (rule: Problem["rule"], message: string): void => {
    problems.push({ file: scriptPath, line: where.line, column: where.column, rule, message });
  };

  const passed = [...inputs.parameters, ...inputs.protectedParameters];
  if (at === null && passed.length > 0) {
    add("contract", `the script has no top-level param() block but the run command passes ${passed.join(", ")}`);
  }
  for (const name of inputs.parameters) {
    if (inputs.protectedParameters.includes(name)) add("contract", `${name} is passed both as a parameter and as a protected parameter`);
  }
  for (const name of new Set(passed)) {
    if (at === null) break;
    if (names.includes(name)) continue;
    const other = names.find((n) => n.toLowerCase() === name.toLowerCase());
    add("contract", other
      ? `the run command passes ${name} but the script declares $${other}; use the same spelling on both sides`
      : `the run command passes ${name} but the script's param() block does not declare it`);
  }
  for (const name of names) {
    if (passed.some((p) => p.toLowerCase() === name.toLowerCase())) continue;
    add("contract", `the script declares $${name} but the run command does not pass it`);
  }
  for (const name of inputs.parameters) {
    if (isSecretParameterName(name)) {
      add("secret-protection", `${name} is named as a secret but passed in parameters; pass it in protectedParameters`);
    }
  }
  for (const name of inputs.protectedParameters) {
    if (!isSecretParameterName(name)) {
      add("secret-protection", `${name} is passed in protectedParameters but its name does not mark it as a secret; rename it (…Password, …Secret, …Pfx, …PfxBase64, …Key, …Token) or pass it in parameters`);
    }
  }
  return problems;
}
