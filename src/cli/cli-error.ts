/**
 * A failure a command has already put into words, with its exit code: 1 failed, 2 bad usage or input,
 * 3 the server could not be reached (commands that talk to a running server).
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
