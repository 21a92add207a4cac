import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorObject } from 'ajv';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BastionError } from '../errors/bastion-error.js';
import { isUnexpected, toCoded } from '../errors/coded.js';
import { describeErrors } from '../schemas/schema-errors.js';
import { isOAuthProbe, OAUTH_NOT_SUPPORTED, WWW_AUTHENTICATE } from './oauth-probes.js';
import { REQUEST_ID_HEADER } from './request-id.js';

declare module 'fastify' {
  interface FastifyReply {
    /** The registry code this reply answered with, for the access log (null for a success). */
    errorCode: string | null;
  }
}

/** Maps anything thrown while handling a request to a coded error (docs/errors.md); `uploadLimit` in bytes. */
export function toBastionError(err: unknown, uploadLimit?: number): BastionError {
  if (err instanceof BastionError) return err;
  const e = err as Partial<FastifyError> & { code?: string; statusCode?: number; message?: string };
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  const message = typeof e.message === 'string' && e.message ? e.message : 'bad request';
  if ((status === 413 || e.code === 'FST_REQ_FILE_TOO_LARGE') && uploadLimit !== undefined) {
    // Say which limit: the operator's upload limit, not some other one.
    const mb = Math.round((uploadLimit / 1024 / 1024) * 100) / 100;
    return new BastionError(
      'PAYLOAD_TOO_LARGE',
      `the request body or an uploaded file is over the upload limit of ${mb} MB (maxUploadMb in the config file)`,
      { details: { setting: 'maxUploadMb', limit_mb: mb } },
    );
  }
  if (
    status === 413 ||
    e.code === 'FST_REQ_FILE_TOO_LARGE' ||
    e.code === 'FST_PARTS_LIMIT' ||
    e.code === 'FST_FILES_LIMIT' ||
    e.code === 'FST_FIELDS_LIMIT'
  ) {
    return new BastionError('PAYLOAD_TOO_LARGE', message);
  }
  if (status === 404) return new BastionError('NOT_FOUND', message);
  if (status >= 400 && status < 500) {
    // Fastify's own client errors (bad JSON, unsupported media type, schema, proto poisoning, long URLs)
    // Query and parameter validation: the same `{path, message}` details as INVALID_INPUT, not ajv's objects.
    return new BastionError(
      'BAD_REQUEST',
      message,
      e.validation ? { details: describeErrors(e.validation as unknown as ErrorObject[]) } : {},
    );
  }
  return toCoded(err);
}

/** Answers a coded error; the body carries the request id (`error.request_id`) that the header and log line show. */
export function sendError(reply: FastifyReply, err: BastionError): FastifyReply {
  if (err.code === 'PLUGIN_BUSY' || err.extra.retryAfterS !== undefined)
    reply.header('retry-after', String(err.extra.retryAfterS ?? 1));
  if (err.code === 'UNAUTHORIZED') reply.header('www-authenticate', WWW_AUTHENTICATE);
  const body = err.toBody();
  body.error.request_id = reply.request.id;
  reply.errorCode = err.code;
  return reply
    .code(err.httpStatus)
    .header(REQUEST_ID_HEADER, reply.request.id)
    .type('application/json; charset=utf-8')
    .send(body);
}

export function installErrorHandling(app: FastifyInstance, countError: (code: string) => void): void {
  app.decorateReply('errorCode', null);
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const coded = toBastionError(err, request.server.initialConfig.bodyLimit);
    if (isUnexpected(coded)) request.log.error({ err }, 'unexpected error');
    countError(coded.code);
    return sendError(reply, coded);
  });
  app.setNotFoundHandler((request, reply) => {
    // MCP clients' OAuth discovery probes are normal use, not errors: an error-rate alert must not fire on them.
    const probe = isOAuthProbe(request.url);
    if (!probe) countError('NOT_FOUND');
    const message = probe ? OAUTH_NOT_SUPPORTED : `no route ${request.method} ${request.url.split('?')[0]}`;
    return sendError(reply, new BastionError('NOT_FOUND', message));
  });
}

/**
 * Node's `clientError`s (a request not received within the server timeouts, oversized headers, unparsable HTTP)
 * answered in the project's error shape before the connection is closed.
 */
export function clientErrorHandler(countError: (code: string) => void) {
  return (err: Error & { code?: string }, socket: Duplex): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    // A response already under way on this socket cannot be replaced by another one.
    const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      const [status, reason, coded] =
        err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout', new BastionError('BAD_REQUEST', 'the request was not received in time')]
          : err.code === 'HPE_HEADER_OVERFLOW'
            ? [
                431,
                'Request Header Fields Too Large',
                new BastionError('PAYLOAD_TOO_LARGE', 'the request headers are too large'),
              ]
            : [400, 'Bad Request', new BastionError('BAD_REQUEST', 'malformed HTTP request')];
      countError(coded.code);
      const body = JSON.stringify(coded.toBody());
      socket.write(
        `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
    socket.destroy(err);
  };
}
