/** The protocol name in endpoints, registry URLs and `--protocol`. */
export const PROTOCOL = 'rsocket';
/** The port Spring's RSocket examples use; pass `server.port` to choose another. */
export const DEFAULT_PORT = 7000;
/** 8 MiB, core's default; at most 16 MiB - 1, what the 24-bit length prefix can say. */
export const DEFAULT_MAX_FRAME_SIZE = 8 * 1024 * 1024;
/** Data MIME type announced in SETUP: JSON is the fallback payload format. */
export const SETUP_DATA_MIME = 'application/json';
