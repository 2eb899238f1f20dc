/**
 * `--bundle preload` only: a module the workflow bundle preloads once per V8 context, so zod is
 * instantiated once and shared by every workflow instead of once per workflow. The SDK deep-freezes
 * preloaded modules, so zod's lazily initialised global config (default locale, memoizer) is set here,
 * before the freeze, by building and using one schema.
 */
import { z } from 'zod';

z.object({ probe: z.string() }).safeParse({ probe: '' });
