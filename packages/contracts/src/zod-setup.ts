import { config } from 'zod';

// In a browser, zod's compiled parsers are off. Zod probes for them with `new Function('')` when the
// first object schema is built; a portal with a strict Content-Security-Policy (no 'unsafe-eval', as
// ours) refuses the probe and reports a CSP violation for it even though zod catches the error. Every
// module of the contract that builds schemas imports this one first, so that it runs before any schema
// is built; not the package's index, which would put zod into the first-load JavaScript of a portal
// that only uses the contract's zod-free parts (channels, policy, error codes) on its first page.
// Servers keep the faster compiled parsers.
if (typeof document !== 'undefined') config({ jitless: true });
