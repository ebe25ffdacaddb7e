// `llm-policy-engine/testing`: decision assertions, matchers, a fixed clock and test state (docs/testing.md).
export * from '../testing/index.js';
