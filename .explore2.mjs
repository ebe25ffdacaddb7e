import { tests } from "@bufbuild/cel-spec/testdata/conformance.js";
const counted = ['basic','comparisons','conversions','fields','fp_math','integer_math','lists','logic','macros','parse','plumbing','string','timestamps','namespace'];
for (const f of tests.suites) if (counted.includes(f.name)) for (const s of f.suites??[]) for (const t of s.tests??[]) {
  const o = t.original; const id = `${f.name}/${s.name}/${o.name}`;
  if (/TestAllTypes|google\.protobuf|[A-Za-z_]\s*\{/.test(o.expr) || o.container || JSON.stringify(o).includes('objectValue')) console.log(id, '::', o.expr.replace(/\s+/g,' ').slice(0,100), o.evalError? 'ERR':'');
}
