/** The `k6/metrics` module: Counter, Gauge, Rate, Trend; samples carry the current context's tags. */
import type { MetricType, ValueType } from '../protocol.ts';
import { contextTags, defineMetric, emit, vuState } from './runtime.ts';

// k6 v1.3.0 metrics/registry.go: nameRegexString (remote write and Prometheus need it too).
const NAME = /^[a-zA-Z_][a-zA-Z0-9_]{1,128}$/;

class Metric {
  readonly name: string;
  private readonly type: MetricType;

  constructor(name: string, type: MetricType, contains: ValueType) {
    if (vuState.phase !== 'init') throw new Error(`metric ${name}: metrics can only be created in the init context`);
    if (typeof name !== 'string' || !NAME.test(name)) throw new Error(`Invalid metric name ${JSON.stringify(name)}: k6 takes up to 128 ASCII letters, numbers or underscores, starting with a letter or an underscore`);
    this.name = name;
    this.type = type;
    defineMetric({ name, type, contains });
  }

  add(value: number | boolean, tags: Record<string, string> = {}): boolean {
    let numeric: number;
    if (this.type === 'rate') numeric = value ? 1 : 0;
    else if (typeof value === 'number' && Number.isFinite(value)) numeric = value;
    else if (typeof value === 'boolean') numeric = value ? 1 : 0;
    else throw new Error(`${this.name}.add(${String(value)}): a finite number is required`);
    emit(this.name, numeric, { ...contextTags(), ...tags });
    return true;
  }
}

export class Counter extends Metric {
  constructor(name: string) {
    super(name, 'counter', 'default');
  }
}

export class Gauge extends Metric {
  constructor(name: string, isTime = false) {
    super(name, 'gauge', isTime ? 'time' : 'default');
  }
}

export class Rate extends Metric {
  constructor(name: string) {
    super(name, 'rate', 'default');
  }
}

export class Trend extends Metric {
  constructor(name: string, isTime = false) {
    super(name, 'trend', isTime ? 'time' : 'default');
  }
}

export default { Counter, Gauge, Rate, Trend };
