// GET /healthz: the database and the scheduler, as JSON; 503 when either is down.
import type { Route } from './server.js';
import { sendJson } from './server.js';

export interface HealthProbe {
  name: string;
  check(): Promise<{ ok: boolean; detail?: string } & Record<string, unknown>>;
}

export function healthRoute(probes: HealthProbe[], meta: Record<string, unknown> = {}): Route {
  return {
    method: 'GET',
    path: '/healthz',
    async handle(_req, res) {
      const results: Record<string, unknown> = {};
      let ok = true;
      for (const probe of probes) {
        try {
          const r = await probe.check();
          results[probe.name] = r;
          ok &&= r.ok;
        } catch (err) {
          ok = false;
          results[probe.name] = { ok: false, detail: err instanceof Error ? err.message : String(err) };
        }
      }
      sendJson(res, ok ? 200 : 503, { ok, ...meta, ...results });
    },
  };
}
