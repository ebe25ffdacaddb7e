import { tests } from "@bufbuild/cel-spec/testdata/conformance.js";
const want = process.argv.slice(2);
for (const f of tests.suites) for (const s of f.suites??[]) for (const t of s.tests??[]) {
  const id = `${f.name}/${s.name}/${t.original.name}`;
  if (want.some(w => new RegExp(w).test(id))) console.log(id, JSON.stringify(t.original));
}
