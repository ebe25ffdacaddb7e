// `llm-policy serve --state redis://...`: the server's rate.* reads see usage that another
// process recorded in the shared Redis (build first: the server is dist/cli.js).
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

test.skipIf(!built)('a limit counted in Redis by another process is enforced by the server', async () => {
  const dir = tempDir({ 'rate.yaml': RATE });
  const s = await serve(['--policies', dir, '--state', REDIS_URL, '--state-prefix', prefix]);
  try {
    const input = { user: { id: 'u1' } };
    expect((await post(`${s.url}/v1/decide`, { input })).json.effect).toBe('allow');
    const recorder = new RedisStateStore({ url: REDIS_URL, prefix, flushMs: 5 });
    for (let i = 0; i < 3; i++) await recorder.record({ keys: ['user:u1'], requests: 1, at: Date.now() });
    await recorder.close(2000);
    const d = await until(
      async () => {
        const r = (await post(`${s.url}/v1/decide`, { input })).json;
        return r.effect === 'deny' && r;
      },
      15_000,
      'the recorded usage to reach the server',
    );
    expect(d.reasons).toEqual(['u1 made 3 requests this minute']);
  } finally {
    expect(await s.stop()).toBe(0);
  }
});
