import type { ConnectOptions } from '../transport-options.js';
import type { BackoffOptions } from './backoff.js';

/**
 * How one ClientChannel connects to one address and keeps its connection: the user's
 * `ConnectOptions` (see there; `probeTimeout` is `ClientChannel.timedOut`, `goAwayHoldOff` is
 * `onClose`) for this address, and its reconnect backoff.
 */
export interface ChannelOptions extends ConnectOptions {
  readonly host: string;
  readonly port: number;
  readonly backoff?: BackoffOptions;
}
