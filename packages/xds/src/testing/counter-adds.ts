// For metrics tests: a global meter provider whose counters record every add. Global, so a test
// file that installs it should hold only the tests that read it.
import { createNoopMeter, metrics, type Attributes, type Counter, type Meter, type MeterProvider } from '@opentelemetry/api';

export interface CounterAdd {
  readonly name: string;
  readonly value: number;
  readonly attributes: Attributes | undefined;
}

/** Installs the recording provider; the returned array grows with every counter add, in order. */
export function recordCounterAdds(): CounterAdd[] {
  const adds: CounterAdd[] = [];
  const meter: Meter = Object.assign(Object.create(createNoopMeter()) as Meter, {
    createCounter(name: string): Counter {
      return { add: (value: number, attributes?: Attributes) => { adds.push({ name, value, attributes }); } };
    },
  });
  metrics.setGlobalMeterProvider({ getMeter: () => meter } satisfies MeterProvider);
  return adds;
}
