// Test helpers for code built on xDS streams (not for production use).
export { FakeXdsServer, eventually } from './fake-xds-server.js';
export { recordCounterAdds, type CounterAdd } from './counter-adds.js';
