/**
 * A failure the fleet layer can explain. `apiCode` tells the API layer which error code it is
 * (ApiError.from reads it) without fleet importing the API.
 */
export class FleetError extends Error {
  constructor(
    readonly apiCode: 'NOT_FOUND' | 'CONFLICT' | 'BAD_REQUEST' | 'UNSUPPORTED',
    message: string,
    readonly hint?: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'FleetError';
  }
}
