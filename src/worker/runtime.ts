/** The Temporal Runtime of a worker process: Core's logs into the structured logger, the SDK's metrics. */
import type { LogLevel } from '@temporalio/common';
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import type { StructuredLogger } from '../telemetry/logger.js';
import { DURATION_BUCKETS_SECONDS, METRICS } from '../telemetry/workflow/names.js';

/**
 * Installs the Temporal Runtime with the structured logger (Core's own logs forwarded to it) and, when
 * `metricsPort` is given, the SDK's Prometheus exporter on that loopback port. Undefined when a runtime
 * was already installed in this process (its settings then stay as they are).
 */
export function installRuntime(
  logger: StructuredLogger,
  level: LogLevel,
  metricsPort?: number,
): Runtime | undefined {
  try {
    return Runtime.install({
      logger,
      telemetryOptions: {
        logging: {
          filter: makeTelemetryFilterString({ core: coreLogLevel(level), other: 'ERROR' }),
          forward: {},
        },
        ...(metricsPort
          ? {
              metrics: {
                prometheus: {
                  bindAddress: `127.0.0.1:${metricsPort}`,
                  histogramBucketOverrides: {
                    [METRICS.stepDuration]: DURATION_BUCKETS_SECONDS,
                    [METRICS.pipelineDuration]: DURATION_BUCKETS_SECONDS,
                  },
                },
              },
            }
          : {}),
      },
    });
  } catch (err) {
    logger.warn('a Temporal runtime is already installed in this process: its logger and metrics stay', {
      error: err instanceof Error ? err.message : String(err),
    });
    return undefined;
  }
}

/** Core logs a lot below WARN: it follows the worker's level only at DEBUG and TRACE. */
function coreLogLevel(level: LogLevel): LogLevel {
  return level === 'TRACE' || level === 'DEBUG' ? level : 'WARN';
}

export function lenientLogLevel(text: string | undefined): LogLevel {
  const level = text?.toUpperCase();
  return level === 'TRACE' || level === 'DEBUG' || level === 'WARN' || level === 'ERROR' ? level : 'INFO';
}
