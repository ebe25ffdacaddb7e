// `llm-policy serve --state redis://...`: the server's rate.* reads see usage that another
// process recorded in the shared Redis (build first: the server is dist/cli.js).
import { request } from 'node:http';
import { createClient } from 'redis';
import { afterAll, expect, test } from 'vitest';
import { RedisStateStore } from '../../src/entries/redis.js';
import { ensureBuilt, tempDir } from '../cli/run.js';
import { post, serve, until } from '../serve/helpers.js';
import { REDIS_URL, uniqueId } from './helpers.js';

const built = ensureBuilt();
const prefix = `lpe-test-serve:${uniqueId()}:`;

afterAll(async () => {
  const admin = createClient({ url: REDIS_URL });
  admin.on('error', () => {});
  await admin.connect();
  for await (const keys of admin.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length) await admin.del(keys);
  await admin.close();
});

const RATE = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: rate }
spec:
  rules:
    - id: too-many
      when: rate.count('user:' + user.id, '1m') >= 3
      effect: deny
      message: "{{ user.id }} made {{ rate.count('user:' + user.id, '1m') }} requests this minute"
`;

/** A decision on a connection of its own, so that `--workers` spreads them over the workers. */
function decide(url: string, input: unknown): Promise<{ effect: string; reasons: string[] }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/decide', agent: false }, (res) => {
      let t = '';
      res.setEncoding('utf8').on('data', (c: string) => (t += c));
      res.on('end', () => resolve(JSON.parse(t)));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ input }));
  });
}

test.skipIf(!built).each([1, 2])(
  'a limit counted in Redis by another process is enforced by the server (--workers %i)',
  async (workers) => {
    const dir = tempDir({ 'rate.yaml': RATE });
    const id = `u${workers}`;
    const s = await serve(['--policies', dir, '--state', REDIS_URL, '--state-prefix', prefix, '--workers', String(workers)]);
    try {
      const input = { user: { id } };
      expect((await post(`${s.url}/v1/decide`, { input })).json.effect).toBe('allow');
      const recorder = new RedisStateStore({ url: REDIS_URL, prefix, flushMs: 5 });
      for (let i = 0; i < 3; i++) await recorder.record({ keys: [`user:${id}`], requests: 1, at: Date.now() });
      await recorder.close(2000);
      // every worker sees it: several fresh connections in a row are all denied
      const d = await until(
        async () => {
          const rs = [];
          for (let i = 0; i < 2 * workers; i++) rs.push(await decide(s.url, input));
          return rs.every((r) => r.effect === 'deny') && rs[0];
        },
        15_000,
        'the recorded usage to reach the server',
      );
      expect(d.reasons).toEqual([`${id} made 3 requests this minute`]);
      // with the state in Redis, the workers share it: no warning about per-worker counting
      expect(s.stderr()).not.toContain('each worker counts');
    } finally {
      expect(await s.stop()).toBe(0);
    }
  },
);
