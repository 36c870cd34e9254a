import { describeTotality, isPlatformRoute } from '../helpers/totality-routes';

// Issue 17, operator routes and the deployer's claim: never a 500, never a hang, on PGlite and
// PostgreSQL. The suite is shared with totality-routes.test.ts (see helpers/totality-routes.ts).
describeTotality('every operator route is total', isPlatformRoute);
