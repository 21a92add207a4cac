import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as OTLP/JSON carries it, with its resource's attributes flattened. */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Record<string, unknown>;
  links: Array<{ traceId: string; spanId: string }>;
  resource: Record<string, unknown>;
}

interface KeyValue {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
}
interface ExportRequest {
  resourceSpans: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeSpans: Array<{ spans: Array<Omit<OtlpSpan, 'attributes' | 'resource'> & { attributes?: KeyValue[] }> }>;
  }>;
}

const flatten = (kvs: KeyValue[] = []): Record<string, unknown> =>
  Object.fromEntries(
    kvs.map(({ key, value }) => [
      key,
      value.stringValue ??
        (value.intValue !== undefined ? Number(value.intValue) : (value.boolValue ?? value.doubleValue)),
    ]),
  );

/**
 * A loopback OTLP/HTTP receiver: what a collector does with `POST /v1/traces` in the JSON encoding, reduced to
 * keeping the spans. Bodies that do not parse as an OTLP export request fail the test through `errors`.
 */
export class OtlpReceiver {
  readonly spans: OtlpSpan[] = [];
  readonly errors: string[] = [];
  readonly #server: Server;

  private constructor() {
    this.#server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/traces' || !/json/.test(req.headers['content-type'] ?? '')) {
          this.errors.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
          res.writeHead(404).end();
          return;
        }
        try {
          const parsed = JSON.parse(body) as ExportRequest;
          for (const rs of parsed.resourceSpans) {
            const resource = flatten(rs.resource?.attributes);
            for (const ss of rs.scopeSpans)
              for (const s of ss.spans) this.spans.push({ ...s, attributes: flatten(s.attributes), resource });
          }
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch (err) {
          this.errors.push(`unparsable export: ${String(err)}`);
          res.writeHead(400).end();
        }
      });
    });
  }

  static async start(): Promise<OtlpReceiver> {
    const receiver = new OtlpReceiver();
    await new Promise<void>((resolve) => receiver.#server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  /** What OTEL_EXPORTER_OTLP_ENDPOINT is set to (the exporter appends /v1/traces). */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
