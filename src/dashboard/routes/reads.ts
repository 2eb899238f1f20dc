/**
 * The API's reads: who the caller is (`/api/session`), the list, one pipeline's progress, its graph and
 * its steps' stored input and output.
 */
import type { Hono } from 'hono';
import type { PipelineClient } from '../../client.js';
import type { StepValueKind } from '../../pipeline/step-values.js';
import type { SessionInfo } from '../api-types.js';
import { READ_ONLY_REASON, type TokenGate } from '../auth.js';
import { pipelineGraph } from '../graph.js';
import { listPipelinesPage, listWaiting } from '../list.js';
import { ListQuery, parseRequest } from '../requests.js';
import type { RunFacts } from '../run-facts.js';
import { readStepValue } from '../step-values.js';

export interface ReadRouteDeps {
  client: PipelineClient;
  gate: TokenGate;
  facts: RunFacts;
  /** Temporal Web UI base URL the page links pipelines to. */
  temporalUiUrl: string | undefined;
}

export function addReadRoutes(app: Hono, { client, gate, facts, temporalUiUrl }: ReadRouteDeps): void {
  app.get('/api/session', (c) => {
    const caller = gate.identify(c.req.header('authorization'));
    const session: SessionInfo = {
      readOnly: gate.readOnly,
      ...(gate.readOnly ? { readOnlyReason: READ_ONLY_REASON } : {}),
      perUserTokens: gate.perUser,
      ...(caller.user !== undefined ? { user: caller.user } : {}),
      mayMutate: caller.mayMutate,
      ...(temporalUiUrl ? { temporalUi: { url: temporalUiUrl, namespace: client.settings.namespace } } : {}),
    };
    return c.json(session);
  });

  app.get('/api/pipelines', async (c) => {
    const { waiting, ...query } = parseRequest(ListQuery, c.req.query(), 'query string');
    if (waiting) {
      const user = gate.identify(c.req.header('authorization')).user;
      return c.json(await listWaiting(client, facts, user !== undefined ? { user } : {}));
    }
    return c.json(await listPipelinesPage(client, facts, query));
  });

  app.get('/api/pipelines/:id', async (c) => c.json(await client.progress(c.req.param('id'))));

  app.get('/api/pipelines/:id/graph', async (c) =>
    c.json(pipelineGraph(await client.definition(c.req.param('id')))),
  );

  app.get('/api/pipelines/:id/steps/:stepId/:which{input|output}', async (c) =>
    c.json(
      await readStepValue(
        client,
        c.req.param('id'),
        c.req.param('stepId'),
        c.req.param('which') as StepValueKind,
      ),
    ),
  );
}
