/** Base class for every user-facing configuration error; the message is what the user sees. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
