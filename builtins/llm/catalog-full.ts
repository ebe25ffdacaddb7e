// `llm-policy-engine/catalog-full`: importing it adds every model of the generated full table
// (AWS Bedrock, Azure, Groq, Together, Fireworks, OpenRouter and the other hosting platforms:
// catalog-full.generated.ts) under the process-wide model catalog, for every copy of the
// package in the process. Models a host installed with setModelCatalog or extendModelCatalog
// keep their prices; the main entry's table is not repeated.
//
//   import 'llm-policy-engine/catalog-full';

import { addShippedTable } from './catalog.js';
import { table } from './catalog-full.generated.js';

addShippedTable(table);

/** The full table, as generated (scripts/gen-catalog.mjs). */
export const fullCatalogTable = table;
