// (Placeholder: the orders routes of the query API.)
import type { ApiRouter } from '../api/route.js';
import type { ApiDeps } from '../api/deps.js';

export function ordersRoutes(_api: ApiRouter, _deps: ApiDeps): void {}
