/** The input an `http.request` step accepts (validated before the request is built) and its output. */
import { z } from 'zod';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** RFC 9110 token: what a header name may contain. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const HttpRequestInput = z
  .strictObject({
    /** An absolute http(s) URL. */
    url: z.url({ protocol: /^https?$/, error: 'expected an absolute http or https URL' }),
    /** Default: `GET`. Case-insensitive. */
    method: z
      .string()
      .transform((method) => method.toUpperCase())
      .pipe(z.enum(METHODS))
      .optional(),
    /** Request headers. Their values never appear in logs or error messages. Default: none. */
    headers: z
      .record(
        z.string().regex(HEADER_NAME, "expected a header name (letters, digits, !#$%&'*+.^_`|~-)"),
        z
          .union([z.string(), z.number(), z.boolean()])
          .transform(String)
          .refine((value) => !/[\r\n\0]/.test(value), 'header value contains a line break or NUL'),
      )
      .optional(),
    /** A string is sent as is; any other JSON value as JSON (`content-type: application/json`). Default: none. */
    body: z.unknown().optional(),
    /** Give up after this many milliseconds (a `timeout` failure). Default: only the activity's timeouts. */
    timeoutMs: z.number().int().positive().optional(),
  })
  .superRefine((input, ctx) => {
    const method = input.method ?? 'GET';
    if ((method === 'GET' || method === 'HEAD') && input.body !== undefined && input.body !== null) {
      ctx.addIssue({ code: 'custom', path: ['body'], message: `a ${method} request cannot have a body` });
    }
  });

export type HttpRequestInput = z.output<typeof HttpRequestInput>;

/** What `http.request` returns. */
export interface HttpResponseOutput {
  status: number;
  /** Response headers, names lower-cased; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** Parsed JSON when the content type is JSON, else text; null for HEAD and bodiless answers. */
  body: unknown;
}
