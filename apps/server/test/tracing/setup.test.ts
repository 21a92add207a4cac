import { ConsoleSpanExporter } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { describe, expect, it } from 'vitest';
import { exportersFromEnv } from '../../src/tracing/exporters.js';
import { tracingRequested } from '../../src/tracing/tracing.js';

describe('tracing configuration (OTEL_* variables)', () => {
  it('is off by default, on with --otel or an OTEL_TRACES_EXPORTER, and OTEL_SDK_DISABLED wins', () => {
    expect(tracingRequested(false, {})).toBe(false);
    expect(tracingRequested(true, {})).toBe(true);
    expect(tracingRequested(false, { OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(tracingRequested(false, { OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    // An endpoint alone (set for every service of a deployment) does not turn it on.
    expect(tracingRequested(false, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBe(false);
    expect(tracingRequested(true, { OTEL_SDK_DISABLED: 'true' })).toBe(false);
  });

  it('builds the exporters OTEL_TRACES_EXPORTER names and says what it cannot do', () => {
    const warnings: string[] = [];
    const warn = (m: string) => void warnings.push(m);
    expect(exportersFromEnv({}, warn).map((e) => e.constructor)).toEqual([OTLPTraceExporter]);
    expect(exportersFromEnv({ OTEL_TRACES_EXPORTER: 'console, otlp' }, warn).map((e) => e.constructor)).toEqual([
      ConsoleSpanExporter,
      OTLPTraceExporter,
    ]);
    expect(exportersFromEnv({ OTEL_TRACES_EXPORTER: 'none' }, warn)).toEqual([]);
    expect(warnings).toEqual([]);
    expect(exportersFromEnv({ OTEL_TRACES_EXPORTER: 'zipkin' }, warn)).toEqual([]);
    exportersFromEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, warn);
    expect(warnings).toEqual([
      expect.stringMatching(/OTEL_TRACES_EXPORTER names 'zipkin'/),
      expect.stringMatching(/OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported/),
    ]);
  });
});
