import type { Command } from '../command';
import { bake } from './bake';
import { check } from './check';
import { doctor } from './doctor';
import { freeze, unfreeze } from './freeze';
import { invoke } from './invoke';
import { ledger } from './ledger';
import { lintRunnerConfigCommand } from './lint-runner-config';
import { plan } from './plan';
import { rehearse } from './rehearse';
import { rollback } from './rollback';
import { synth } from './synth';

/** Every command, in the order `--help` lists them: a new command is its module and one line here. */
export const COMMANDS: readonly Command[] = [
  rehearse,
  check,
  plan,
  doctor,
  synth,
  bake,
  rollback,
  ledger,
  freeze,
  unfreeze,
  invoke,
  lintRunnerConfigCommand,
];
