// (Placeholder: the operator routes of the query API.)
import type { ApiRouter } from '../api/route.js';
import type { ApiDeps } from '../api/deps.js';

export function operatorRoutes(_api: ApiRouter, _deps: ApiDeps): void {}
