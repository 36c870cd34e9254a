#!/usr/bin/env node
// `npm run pack:packages [outDir]`: the tarballs of @neo/contracts and @neo/publisher-sdk for another
// repository (default folder: dist-packages/, ignored by git). See scripts/lib/pack.mjs.
import path from 'node:path';
import { packAll } from './lib/pack.mjs';
import { ROOT } from './lib/paths.mjs';

const outDir = path.resolve(process.argv[2] ?? path.join(ROOT, 'dist-packages'));
for (const tarball of await packAll(outDir)) console.log(tarball);
