// `llm-policy audit verify <files...>`: checks the hash chain of an audit log written by
// FileAuditSink({ chain: true }); rotated files are given oldest first, the active one last.
/// <reference types="node" />

import { existsSync } from 'node:fs';
import { verifyAuditLog } from '../adapters/audit/file.js';
import { usage, type Command } from './command.js';
import { EXIT } from './io.js';

const HELP = `llm-policy audit verify <files...> [--prev-hash <hex>] [--format json]

Checks the hash chain of an audit log written with FileAuditSink({ chain: true }): every record
must carry the SHA-256 of the line before it. Give rotated files oldest first, then the active
one. Reports the first record that was altered, removed or reordered.

Options:
  --prev-hash <hex>  the hash the first record must chain from (a file rotated away earlier)
  --format json      machine-readable result

Exit status: 0 the chain verifies, 1 it does not, 2 usage errors (no file, a missing file).`;

export const auditCommand: Command = {
  name: 'audit',
  summary: 'verify the hash chain of an audit log (audit verify <files...>)',
  help: HELP,
  options: { 'prev-hash': { type: 'string' } },
  async run(io, values, positionals) {
    const [sub, ...files] = positionals;
    if (sub !== 'verify')
      throw usage(
        sub === undefined
          ? 'missing subcommand: use `audit verify <files...>`'
          : `unknown subcommand \`${sub}\`: use \`audit verify <files...>\``,
        auditCommand,
      );
    if (files.length === 0) throw usage('`audit verify` needs at least one log file', auditCommand);
    const missing = files.find((f) => !existsSync(f));
    if (missing !== undefined) throw usage(`cannot read \`${missing}\`: no such file`, auditCommand);
    const prevHash = values['prev-hash'];
    const r = await verifyAuditLog(files, typeof prevHash === 'string' ? { prevHash } : {});
    if (values.format === 'json') io.out(JSON.stringify(r, null, 2));
    else if (r.ok) io.out(`${io.c.green('ok')}: ${r.records} records, the chain verifies${r.lastHash ? ` (last hash ${r.lastHash})` : ''}`);
    else {
      const b = r.firstBad!;
      io.out(`${io.c.red('broken')}: ${b.file}:${b.line}: record ${b.reason}: ${b.detail}`);
    }
    return r.ok ? EXIT.ok : EXIT.failed;
  },
};
