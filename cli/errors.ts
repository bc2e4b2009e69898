/** An error whose message is the whole story for the user: printed as one line, exit code 1. */
export class CliError extends Error {}
