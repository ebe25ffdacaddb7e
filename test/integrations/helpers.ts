// Shared by the middleware tests: one gateway policy, an engine on a fixed clock, and a key
// the PII detector reads as an OpenAI API key.
import type { MemoryAuditSink } from '../../src/entries/audit.js';
import { PolicyEngine } from '../../src/entries/index.js';

export const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

/** Detected as an `api_key` (kind openai). */
export const SECRET = 'sk-proj-4fT9qLm2Xz8RbW1vYc7KdN3pHs6JgE0aUo5iQt';

export const GATEWAY_POLICY = `
apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: gateway }
spec:
  rules:
    - id: blocked-model
      when: request.model in ['gpt-blocked', 'claude-blocked']
      effect: deny
      message: "model {{ request.model }} is blocked"
    - id: redact-pii
      when: context.phase == 'request' && pii.found(request, ['email', 'phone'])
      effect: allow
      obligations:
        - redact: { entities: [email, phone] }
    - id: free-tier-route
      when: context.phase == 'request' && has(user.tier) && user.tier == 'free'
      effect: allow
      obligations:
        - route: { model: gpt-4o-mini }
    - id: cap-tokens
      when: context.phase == 'request' && has(request.max_tokens) && request.max_tokens > 256
      effect: allow
      obligations:
        - set: { max_tokens: 256 }
    - id: over-budget
      when: context.phase == 'request' && budget.spent('user:' + user.id, 'day') >= 0.30
      effect: deny
      message: daily budget spent
    - id: hot-temperature
      when: context.phase == 'request' && has(request.temperature) && request.temperature > 1.5
      effect: warn
      message: temperature above 1.5
    - id: notify-security
      when: context.phase == 'request' && has(context.notify) && context.notify == true
      effect: allow
      obligations:
        - notify: { channel: security }
    - id: secret-in-response
      when: context.phase == 'response' && pii.found(response.text, ['api_key', 'aws_access_key'])
      effect: deny
      message: the response leaks a secret
    - id: redact-response-email
      when: context.phase == 'response' && pii.found(response.text, ['email'])
      effect: allow
      obligations:
        - redact: { entities: [email] }
`;

export function makeEngine(options: { audit?: MemoryAuditSink } = {}): PolicyEngine {
  const engine = new PolicyEngine({ clock: () => NOW, ...(options.audit ? { audit: { sink: options.audit, includeInput: true } } : {}) });
  engine.addPolicy(GATEWAY_POLICY, { filename: 'gateway.yaml' });
  return engine;
}

/** Waits until `check` holds (the fake server sees a client hang up a moment after it happens). */
export async function eventually(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A long answer with the secret in the middle. */
export function leakyText(): string {
  return `Here is the configuration you asked for. The key is ${SECRET} and it goes in the header. ${'More text follows here. '.repeat(20)}`;
}
