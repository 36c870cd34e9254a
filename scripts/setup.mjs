#!/usr/bin/env node
// `npm run setup`: everything `npm start` and `npm test` need, without starting anything. Idempotent.
import { ensureDependencies } from './lib/deps.mjs';
import { provisionCentrifugo } from './lib/centrifugo.mjs';
import { provisionComposeConfig } from './lib/compose-config.mjs';
import { ensureChromium } from './lib/chromium.mjs';
import { buildAll } from './lib/build.mjs';

try {
  await ensureDependencies();
  console.log(`centrifugo: ${await provisionCentrifugo()}`);
  // Only the deploy tests need it (and build it themselves when missing), so a machine without Go still sets up.
  console.log(`compose-config: ${await provisionComposeConfig().catch((err) => `not built (${err.message})`)}`);
  console.log(`chromium: ${(await ensureChromium()) ?? 'not available (end-to-end tests will need it)'}`);
  await buildAll();
  console.log('setup done');
} catch (err) {
  process.stderr.write(`setup: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
