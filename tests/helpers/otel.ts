/** Reading OpenTelemetry metrics back in tests: a meter provider with an in-memory reader. */
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';

export interface TestMeters {
  readonly provider: MeterProvider;
  /** Collects once and returns every metric by name. */
  collect(): Promise<Map<string, MetricData>>;
  shutdown(): Promise<void>;
}

/** A provider whose reader is only read by `collect()` (the export interval is never reached). */
export function testMeters(temporality = AggregationTemporality.CUMULATIVE): TestMeters {
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(temporality),
    exportIntervalMillis: 3_600_000,
  });
  const provider = new MeterProvider({ readers: [reader] });
  return {
    provider,
    async collect() {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw errors[0];
      return byName(resourceMetrics);
    },
    shutdown: () => provider.shutdown(),
  };
}

function byName(resourceMetrics: ResourceMetrics): Map<string, MetricData> {
  const all = new Map<string, MetricData>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) all.set(metric.descriptor.name, metric);
  }
  return all;
}

/** The value of the data point of `metric` whose attributes include `attributes`. */
export function pointValue(
  metrics: Map<string, MetricData>,
  name: string,
  attributes: Record<string, string> = {},
): number | Histogram | undefined {
  const metric = metrics.get(name);
  const point = (metric?.dataPoints as DataPoint<number | Histogram>[] | undefined)?.find((p) =>
    Object.entries(attributes).every(([k, v]) => p.attributes[k] === v),
  );
  return point?.value;
}
