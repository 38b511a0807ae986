/**
 * The schema library of every function and of the config loader: zod/mini (about 15 KB bundled,
 * where classic zod's `import { z } from 'zod'` bundles 454 KB, 257 KiB of it 64 locales), with
 * zod's English messages, which name what was expected ("Invalid input: expected string, received
 * undefined"); zod/mini has no locale of its own and says only "Invalid input". Import it as
 * `import * as z from '<path>/shared/zod'`, never from 'zod': the locale must be configured before
 * any schema parses. A re-exported namespace object (`export { z }`) would keep all of zod: esbuild
 * tree-shakes `export *` only.
 */
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());

export * from 'zod/mini';
