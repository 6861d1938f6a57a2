/**
 * DC-side consumers reading tokens without pause through the load balancer, as integrations do
 * during an upgrade. Every token served is also presented to the provider's protected API, so a
 * token that is served but no longer valid counts as a failure too.
 */
export interface ReadFigures {
  reads: number;
  /** Non-200 answers, unreadable bodies, connections that failed. */
  failed: number;
  /** Tokens served with more than a second to live that the provider refused. */
  rejected: number;
  /** The first few failures, for the report. */
  samples: string[];
}

export interface ConsumerLoad {
  stop(): Promise<ReadFigures>;
}

export interface ReadTarget {
  linkId: string;
  apiKey: string;
}

export function startConsumers(baseUrl: string, apiUrl: string, targets: ReadTarget[], readers: number, pauseMs: number): ConsumerLoad {
  const figures: ReadFigures = { reads: 0, failed: 0, rejected: 0, samples: [] };
  const note = (what: string): void => {
    if (figures.samples.length < 10) figures.samples.push(`${new Date().toISOString()} ${what}`);
  };
  let running = true;
  let turn = 0;

  async function readOnce(target: ReadTarget): Promise<void> {
    figures.reads += 1;
    let accessToken: string;
    let expiresAt: number;
    try {
      const res = await fetch(`${baseUrl}/v1/links/${target.linkId}/token`, { headers: { authorization: `Bearer ${target.apiKey}` } });
      const body = (await res.json()) as { accessToken?: string; expiresAt?: string; error?: { code?: string } };
      if (res.status !== 200 || typeof body.accessToken !== 'string' || typeof body.expiresAt !== 'string') {
        figures.failed += 1;
        note(`link ${target.linkId}: HTTP ${res.status} ${body.error?.code ?? ''}`);
        return;
      }
      accessToken = body.accessToken;
      expiresAt = Date.parse(body.expiresAt);
    } catch (error) {
      figures.failed += 1;
      note(`link ${target.linkId}: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const api = await fetch(apiUrl, { headers: { authorization: `Bearer ${accessToken}` } });
    await api.body?.cancel();
    // A token at the very end of its life may expire on its way to the API: only a token with time
    // left that the provider refuses is the connector's fault.
    if (api.status !== 200 && expiresAt - Date.now() > 1_000) {
      figures.rejected += 1;
      note(`link ${target.linkId}: the provider refused a token served with ${expiresAt - Date.now()} ms left (HTTP ${api.status})`);
    }
  }

  const loops = Array.from({ length: readers }, async () => {
    while (running) {
      await readOnce(targets[turn++ % targets.length]!);
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  });

  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return figures;
    },
  };
}
