// (Placeholder: the devices routes of the query API.)
import type { ApiRouter } from '../api/route.js';
import type { ApiDeps } from '../api/deps.js';

export function devicesRoutes(_api: ApiRouter, _deps: ApiDeps): void {}
