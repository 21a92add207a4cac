import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Feature } from '../feature.js';
import { SERVER_ROOT } from '../../paths.js';
import { BastionError } from '../../errors/bastion-error.js';
import { sendError } from '../error-handler.js';

/** Where `vite build` puts the UI (apps/web/dist); BASTION_WEB_DIR overrides it (e.g. a packaged install). */
export function webDistDir(): string {
  const dir = process.env.BASTION_WEB_DIR;
  return dir ? path.resolve(dir) : path.resolve(SERVER_ROOT, '..', 'web', 'dist');
}

const NOT_BUILT_HTML = `<!doctype html><meta charset="utf-8"><title>Bastion</title>
<body style="font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem">
<h1>Bastion is running</h1><p>The web UI has not been built. Build it with <code>npm run build</code> (or
<code>npm run build -w @bastion/web</code>) and reload this page.</p>
<p>The API is at <a href="/v1/plugins">/v1/plugins</a>; its description at <a href="/openapi.json">/openapi.json</a>.</p></body>`;

/**
 * The web UI at `/`: index.html plus Vite's hashed `/assets/*`. Only these paths are routes, so every other
 * path (all of `/v1/*`) keeps the API's JSON 404. The UI uses hash routing, so no SPA fallback is needed. The
 * dist folder is looked up per request: building the UI while the server runs needs no restart.
 */
export function webFeature(): Feature {
  const root = webDistDir();
  const built = (): boolean => existsSync(path.join(root, 'index.html'));

  const index = async (request: FastifyRequest, reply: FastifyReply) => {
    if (built()) {
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html', root, { cacheControl: false });
    }
    const wantsHtml = (request.headers.accept ?? '').includes('text/html');
    if (wantsHtml) return reply.code(200).type('text/html; charset=utf-8').send(NOT_BUILT_HTML);
    return sendError(
      reply,
      new BastionError('NOT_FOUND', 'the web UI is not built; run `npm run build -w @bastion/web`'),
    );
  };

  return {
    name: 'web',
    async routes(app) {
      await app.register(async (scope) => {
        // serve: false — only decorate reply.sendFile; the routes below decide what is served. preCompressed: the
        // build writes .br/.gz next to each text asset, sent to clients that accept them (else the plain file).
        await scope.register(fastifyStatic, { root, serve: false, decorateReply: true, preCompressed: true });
        const config = { access: 'public' as const };
        const schema = { hide: true };
        scope.get('/', { config, schema }, index);
        scope.get('/index.html', { config, schema }, index);
        scope.get<{ Params: { '*': string } }>('/assets/*', { config, schema }, async (request, reply) => {
          if (!built()) throw new BastionError('NOT_FOUND', 'the web UI is not built');
          // Source maps (a development build may leave them) and the compressed copies are never served by name.
          if (/\.(map|br|gz)$/.test(request.params['*'])) {
            throw new BastionError('NOT_FOUND', `no asset '${request.params['*']}'`);
          }
          // Vite names assets by content hash, so they never change under the same name.
          return reply.sendFile(path.posix.join('assets', request.params['*']), root, {
            maxAge: '365d',
            immutable: true,
          });
        });
      });
    },
  };
}
