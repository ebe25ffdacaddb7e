// `llm-policy-engine/catalog-full`: importing it adds every model of the generated full table
// (AWS Bedrock, Azure, Groq, Together, Fireworks, OpenRouter and the other hosting platforms)
// to the process-wide model catalog (docs/llm.md).
//
//   import 'llm-policy-engine/catalog-full';
export * from '../../builtins/llm/catalog-full.js';
