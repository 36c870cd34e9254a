import { config } from 'zod';

// In a browser, zod's compiled parsers are off. Zod probes for them with `new Function('')` when the
// first object schema is built; a portal with a strict Content-Security-Policy (no 'unsafe-eval', as
// ours) refuses the probe and reports a CSP violation for it even though zod catches the error. This
// module is imported first by the package's index so that it runs before any schema of the contract
// is built. Servers keep the faster compiled parsers.
if (typeof document !== 'undefined') config({ jitless: true });
