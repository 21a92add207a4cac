import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';

/** Protocols of OTEL_EXPORTER_OTLP_PROTOCOL this build sends; the others (grpc, http/protobuf) fall back to JSON. */
const SUPPORTED_PROTOCOL = 'http/json';

/**
 * The exporters OTEL_TRACES_EXPORTER names (comma-separated; default `otlp`): `otlp` (OTLP/HTTP with JSON bodies,
 * to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces, default localhost:4318),
 * `console` (spans on stdout) and `none`. Each unknown name or unsupported protocol is reported through `warn`.
 */
export function exportersFromEnv(env: NodeJS.ProcessEnv, warn: (message: string) => void): SpanExporter[] {
  const names = (env.OTEL_TRACES_EXPORTER || 'otlp')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const exporters: SpanExporter[] = [];
  for (const name of new Set(names)) {
    if (name === 'none') continue;
    if (name === 'console') {
      exporters.push(new ConsoleSpanExporter());
    } else if (name === 'otlp') {
      const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL;
      if (protocol && protocol !== SUPPORTED_PROTOCOL) {
        warn(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported; traces are sent as ${SUPPORTED_PROTOCOL}`);
      }
      exporters.push(new OTLPTraceExporter());
    } else {
      warn(`OTEL_TRACES_EXPORTER names '${name}', which Bastion does not know (otlp, console, none); ignored`);
    }
  }
  return exporters;
}
