import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const EVENTS_DIR = join(__dirname, '..', '..', 'events');

/** A fresh deep copy of `events/<path>`, so a test can change it without touching others. */
export const fixture = <T extends object = Record<string, unknown>>(path: string): T =>
  JSON.parse(readFileSync(join(EVENTS_DIR, path), 'utf8')) as T;
