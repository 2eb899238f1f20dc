/** Size limits of what a step hands back to the workflow. */

/**
 * Largest step output, as JSON bytes: Temporal rejects payloads over 2 MB, and the payload's encoding
 * and the activity-completion envelope need some room, hence the 16 KiB margin.
 */
export const MAX_OUTPUT_BYTES = 2 * 1024 * 1024 - 16 * 1024;

/** UTF-8 size of `value` as JSON; 0 for `undefined`. Throws when `value` is not JSON-serializable. */
export function jsonByteLength(value: unknown): number {
  const json = JSON.stringify(value);
  return json === undefined ? 0 : Buffer.byteLength(json, 'utf8');
}
