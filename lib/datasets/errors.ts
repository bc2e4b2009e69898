/** A dataset-level error whose message is the whole story (shown as one line by the CLI and jobs). */
export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatasetError";
  }
}
