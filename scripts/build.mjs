#!/usr/bin/env node
// `npm run build`: bundles the services and builds the portal (`--force` rebuilds even when fresh).
import { buildAll } from './lib/build.mjs';

await buildAll({ force: process.argv.includes('--force') });
