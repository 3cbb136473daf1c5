// The default rule set and simulator of both front doors.
import { allRules } from '../rules/index.js';
import type { Rule } from '../rules/types.js';
import { createSimulator } from '../sim/index.js';
import type { SimulatorPort } from './simulator-port.js';

export function registeredRules(): readonly Rule[] {
  return allRules;
}

export function defaultSimulator(): SimulatorPort | false {
  return createSimulator();
}
