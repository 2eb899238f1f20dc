/**
 * The API's mutations: start, approve or reject, intervene, cancel, terminate, resume. The auth
 * middleware has already checked the token; a per-user token's name signs decisions (`by`).
 */
import type { Context, Hono } from 'hono';
import type { PipelineClient } from '../../client.js';
import { parseDefinitionText } from '../../pipeline/load.js';
import { withoutUndefined } from '../../pipeline/plain-objects.js';
import type { TokenGate } from '../auth.js';
import { ApiError, badRequest } from '../errors.js';
import {
  ApprovalBody,
  CancelBody,
  InterventionBody,
  ResumeBody,
  StartBody,
  TerminateBody,
  parseRequest,
} from '../requests.js';

export interface MutationRouteDeps {
  client: PipelineClient;
  gate: TokenGate;
}

export function addMutationRoutes(app: Hono, { client, gate }: MutationRouteDeps): void {
  /** The per-user token's name of a request that passed the mutation check (else the free-text `by`). */
  const signer = (c: Context, by: string | undefined) =>
    gate.identify(c.req.header('authorization')).user ?? by;

  app.post('/api/pipelines', async (c) => {
    const body = parseRequest(StartBody, await jsonBody(c), 'request body');
    const definition =
      typeof body.definition === 'string'
        ? parseDefinitionText(body.definition, body.format ?? 'auto')
        : body.definition;
    const started = await client.start(definition, {
      ...(body.id ? { id: body.id } : {}),
      ...(body.params ? { params: body.params } : {}),
    });
    return c.json(started, 201);
  });

  app.post('/api/pipelines/:id/approval', async (c) => {
    const body = parseRequest(ApprovalBody, await jsonBody(c), 'request body');
    const decide = body.decision === 'approve' ? client.approve.bind(client) : client.reject.bind(client);
    const step = await decide(
      c.req.param('id'),
      body.stepId,
      withoutUndefined({ by: signer(c, body.by), comment: body.comment }),
    );
    return c.json({ step });
  });

  app.post('/api/pipelines/:id/intervention', async (c) => {
    const body = parseRequest(InterventionBody, await jsonBody(c), 'request body');
    const step = await client.intervene(c.req.param('id'), {
      ...withoutUndefined({ ...body, by: signer(c, body.by) }),
      stepId: body.stepId,
      action: body.action,
    });
    return c.json({ step });
  });

  app.post('/api/pipelines/:id/cancel', async (c) => {
    parseRequest(CancelBody, await jsonBody(c, { optional: true }), 'request body');
    const pipelineId = c.req.param('id');
    await client.cancelIfRunning(pipelineId); // 409 when it is not running
    return c.json({ pipelineId, cancelRequested: true }, 202);
  });

  app.post('/api/pipelines/:id/terminate', async (c) => {
    const body = parseRequest(TerminateBody, await jsonBody(c), 'request body');
    const pipelineId = c.req.param('id');
    // 404 for an unknown id, 409 when it is not running (PipelineRequestRejectedError).
    await client.terminate(pipelineId, body.reason);
    return c.json({ pipelineId, terminated: true }, 202);
  });

  app.post('/api/pipelines/:id/resume', async (c) => {
    const body = parseRequest(ResumeBody, await jsonBody(c, { optional: true }), 'request body');
    return c.json(await client.resume(c.req.param('id'), withoutUndefined(body)), 201);
  });
}

/** The request's JSON body; an empty body is `{}` when `optional`. */
async function jsonBody(c: Context, { optional = false } = {}): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') {
    if (optional) return {};
    throw badRequest('expected a JSON request body');
  }
  if (!/^application\/json\b/i.test(c.req.header('content-type') ?? '')) {
    throw new ApiError(415, 'unsupported_media_type', 'send the request body as application/json');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
}
