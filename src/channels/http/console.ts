// The console's files: GET / leads to /console/, and /console/... answers the page (one
// HTML file; the page finds its screen from the path) or its built assets. They are built
// by `npm run build` from src/console/ into dist/console/, from packages installed from
// the npm registry: nothing is fetched from elsewhere at run time.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';

/** dist/console, beside dist/src where this module is compiled to. */
export const CONSOLE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'console');

/**
 * The page and its assets come from this origin only; no frame may hold it (clickjacking
 * of the release button); no referrer leaves with a device's URL.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/** Every screen's address: the same page, which finds its screen from the path. */
const CONSOLE_PAGE_PATH = '/console{/*screen}';

/** The routes that serve the console's files, not API operations: /openapi.json leaves them out. */
export const CONSOLE_ROUTES = ['GET /', `GET ${CONSOLE_PAGE_PATH}`] as const;

export function consoleRouter(): express.Router {
  const router = express.Router();
  router.get('/', (_req: Request, res: Response) => res.redirect(302, '/console/'));
  router.use('/console', (_req: Request, res: Response, next: NextFunction) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    next();
  });
  // Asset names carry no hash: a new build must not be hidden by a cached old one.
  router.use('/console/assets', express.static(join(CONSOLE_DIR, 'assets'), { fallthrough: false, index: false, cacheControl: true, maxAge: 0 }));
  router.get(CONSOLE_PAGE_PATH, (_req: Request, res: Response) => {
    const page = join(CONSOLE_DIR, 'index.html');
    if (!existsSync(page)) {
      res.status(503).type('text/plain').send('The console is not built here: run npm run build (npm ci does it).\n');
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    res.sendFile(page);
  });
  return router;
}
