/**
 * [REQ-01] HTTP status of a failed Kubernetes API call, whichever client-node path raised it (`ApiException.code`
 * from the generated clients, `statusCode` from `Watch`, `code` of a watch ERROR event's Status object).
 * Connection failures carry no status: they stay retryable, never a terminal error.
 */
export function apiStatusCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof statusCode === 'number') return statusCode;
  return typeof code === 'number' ? code : undefined;
}

export const isNotFound = (error: unknown): boolean => apiStatusCode(error) === 404;
export const isConflict = (error: unknown): boolean => apiStatusCode(error) === 409;
export const isAlreadyExists = isConflict;
export const isGone = (error: unknown): boolean => apiStatusCode(error) === 410;
