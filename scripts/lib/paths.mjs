import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Git-ignored folder for tools the project provisions (Centrifugo). */
export const TOOLS_DIR = path.join(ROOT, '.tools');
/** Git-ignored folder for local state: PGlite data, generated secrets, rendered configs. */
export const DATA_DIR = process.env.DATA_DIR ? path.resolve(process.env.DATA_DIR) : path.join(ROOT, '.data');
/** The event service's PGlite folder in a local-state folder (`npm start`, `npm run keys`). */
export const pgliteDir = (dataDir = DATA_DIR) => path.join(dataDir, 'pglite');
