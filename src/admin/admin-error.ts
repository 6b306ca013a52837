// The refusal every admin operation (command line and operator API) answers with. A
// module of its own so that the command line can name it without loading the operations.

/** A refusal the operator can act on: a code-like name and a sentence. */
export class AdminError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
