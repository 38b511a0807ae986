import { accountCheck } from './account';
import { configCheck } from './config';
import type { Check } from './doctor';
import { gitlabCheck } from './gitlab';
import { groupsCheck } from './groups';
import { imagesCheck } from './images';
import { rolesCheck } from './roles';
import { tonightCheck } from './tonight';

/** Every area's checks, in the order the report lists them: a new area is its module and one line here. */
export const CHECKS: readonly Check[] = [
  groupsCheck,
  rolesCheck,
  accountCheck,
  configCheck,
  imagesCheck,
  tonightCheck,
  gitlabCheck(),
];
