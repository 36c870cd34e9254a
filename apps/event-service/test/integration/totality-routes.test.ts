import { describeTotality, isPlatformRoute } from '../helpers/totality-routes';

// Issue 17: every route answers any path, query, header or body with a success or a 4xx problem
// document, never a 500 and never a hang, on PGlite and on PostgreSQL. This file: the routes of tenants
// and users (and health, metrics, docs); operator routes are in totality-admin.test.ts, typed ingest in
// totality-ingest.test.ts.
describeTotality('every tenant and user route is total', (op) => !isPlatformRoute(op));
