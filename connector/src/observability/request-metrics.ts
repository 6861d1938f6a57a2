import type { Metric, Registry } from 'prom-client';

/**
 * HTTP request counts and durations per route, kept in plain numbers and turned into Prometheus
 * series when /metrics is scraped. prom-client's labelled `inc`/`observe` validate and hash the
 * label set on every call even on a bound child: measured at about 2 µs of a 19 µs token read
 * (a tenth of its cost), for numbers that nobody reads between two scrapes.
 */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10] as const;

export const REQUESTS_METRIC = 'applinks_http_requests_total';
export const DURATION_METRIC = 'applinks_http_request_duration_seconds';

/** Records one answered request: its status code and how long it took, in seconds. */
export type RequestRecorder = (statusCode: number, seconds: number) => void;

interface Series {
  method: string;
  route: string;
  /** Per bucket, not cumulative; the last slot counts what is above the highest bound. */
  buckets: number[];
  sum: number;
  count: number;
  byStatus: Map<number, number>;
}

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

export class RequestMetrics {
  private readonly series: Series[] = [];

  constructor(registry: Registry) {
    // Registry only calls `get()` and reads `name`/`type`; prom-client's type names its own classes.
    registry.registerMetric(this.metric(REQUESTS_METRIC, 'HTTP requests answered, by route pattern and status.', 'counter', () => this.counts()) as unknown as Metric);
    registry.registerMetric(this.metric(DURATION_METRIC, 'Time to answer HTTP requests, by route pattern.', 'histogram', () => this.durations()) as unknown as Metric);
  }

  /** A recorder for one method and route pattern: bind it once, call it per request. */
  recorder(method: string, route: string): RequestRecorder {
    const series: Series = { method, route, buckets: new Array<number>(DURATION_BUCKETS.length + 1).fill(0), sum: 0, count: 0, byStatus: new Map() };
    this.series.push(series);
    return (statusCode, seconds) => {
      series.count += 1;
      series.sum += seconds;
      let i = 0;
      while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i += 1;
      series.buckets[i]! += 1;
      series.byStatus.set(statusCode, (series.byStatus.get(statusCode) ?? 0) + 1);
    };
  }

  private metric(name: string, help: string, type: 'counter' | 'histogram', values: () => MetricValue[]) {
    return {
      name,
      help,
      type,
      aggregator: 'sum',
      get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
      reset: () => undefined,
    };
  }

  private counts(): MetricValue[] {
    const values: MetricValue[] = [];
    for (const s of this.series) {
      for (const [status, count] of s.byStatus) values.push({ value: count, labels: { method: s.method, route: s.route, status: String(status) } });
    }
    return values;
  }

  private durations(): MetricValue[] {
    const values: MetricValue[] = [];
    for (const s of this.series) {
      if (s.count === 0) continue;
      const labels = { method: s.method, route: s.route };
      let cumulative = 0;
      DURATION_BUCKETS.forEach((bound, i) => {
        cumulative += s.buckets[i]!;
        values.push({ value: cumulative, labels: { ...labels, le: bound }, metricName: `${DURATION_METRIC}_bucket` });
      });
      values.push({ value: s.count, labels: { ...labels, le: '+Inf' }, metricName: `${DURATION_METRIC}_bucket` });
      values.push({ value: s.sum, labels, metricName: `${DURATION_METRIC}_sum` });
      values.push({ value: s.count, labels, metricName: `${DURATION_METRIC}_count` });
    }
    return values;
  }
}
