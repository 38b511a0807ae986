import { configCheck } from './config';
import type { Check } from './doctor';
import { imagesCheck } from './images';
import { tonightCheck } from './tonight';

/** Every area's checks, in the order the report lists them: a new area is its module and one line here. */
export const CHECKS: readonly Check[] = [configCheck, imagesCheck, tonightCheck];
