/** Helpers for plain objects, shared by every layer. Pure: safe in workflow code. */

/** Whether a value is an object that is not a list (and not null): something to read fields from. */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The object's own fields that are not `undefined` (a new object; `{}` for `undefined`), so it can be
 * spread over defaults without erasing them.
 */
export function withoutUndefined<T extends object>(
  value: T | undefined,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
