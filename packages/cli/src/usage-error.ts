/**
 * The command line itself is wrong (missing argument, unknown subcommand, flag without a value):
 * main prints the message and the command's usage and exits 2, as the README promises. Failures of
 * the work itself stay RpcErrors and exit 1.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
