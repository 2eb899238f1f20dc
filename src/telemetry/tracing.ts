/**
 * Optional OpenTelemetry tracing (`STEPLINE_TRACING=otlp`, the default when `OTEL_EXPORTER_OTLP_ENDPOINT`
 * is set) through `@temporalio/interceptors-opentelemetry`: a span per step attempt on the worker and,
 * when the worker runs a bundle built with tracing (`npm run build:bundle -- --tracing`), spans for the
 * workflow and the steps it schedules, exported over OTLP/HTTP to the collector the standard
 * `OTEL_EXPORTER_OTLP_*` variables name. Service name: `OTEL_SERVICE_NAME`, default `stepline-worker`.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';

export interface Tracing {
  activityInterceptor: ActivityInterceptorsFactory;
  /** The `exporter` sink the workflow-side interceptors send their spans to. */
  sinks: InjectedSinks<OpenTelemetrySinks>;
  /** Flushes spans still buffered and stops exporting. */
  shutdown(): Promise<void>;
}

export function startTracing(env: NodeJS.ProcessEnv = process.env): Tracing {
  const resource = new Resource({ 'service.name': env.OTEL_SERVICE_NAME || 'stepline-worker' });
  const processor = new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 1_000 });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  return {
    activityInterceptor: (ctx) => ({
      inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
      outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
    }),
    sinks: { exporter: makeWorkflowExporter(processor, resource) },
    shutdown: () => provider.shutdown(),
  };
}

/** For a bundle with the tracing interceptors on a worker without tracing: spans are dropped quietly. */
export const DROP_WORKFLOW_SPANS: InjectedSinks<OpenTelemetrySinks> = {
  exporter: { export: { fn: () => undefined } },
};
