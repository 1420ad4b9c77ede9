// A field of a document read from a file (the settings, a described cabling)
// at fault: thrown while the document is read, and turned by the reader's entry
// point into its error naming the field ("api.token", "links[0][1]").
export class FieldError extends Error {
  constructor(
    /** The dotted path of the field at fault. */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
