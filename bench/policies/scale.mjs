// W2 'scale' — N equality rules in one policy document:
//   rule i (id `scale-<i>`, deny): user.team == 'team-<i mod 100>' && request.model == 'model-<floor(i/100)>'
// Generated, because N goes up to 10,000. `node bench/policies/scale.mjs 1000 > /tmp/scale-1000.yaml`
// writes one out for inspection.

import { pathToFileURL } from 'node:url';

/** The YAML text of the W2 policy with `n` rules. */
export function scalePolicy(n) {
  const lines = [
    'apiVersion: llmpolicy/v1',
    'kind: Policy',
    'metadata:',
    `  name: scale-${n}`,
    `  description: W2 scale workload, ${n} equality rules (team x model)`,
    'spec:',
    '  rules:',
  ];
  for (let i = 0; i < n; i++) {
    lines.push(
      `    - id: scale-${i}`,
      `      when: user.team == 'team-${i % 100}' && request.model == 'model-${Math.floor(i / 100)}'`,
      '      effect: deny',
    );
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(scalePolicy(Number(process.argv[2] ?? 1000)));
}
