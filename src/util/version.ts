// The package version, written in by the build (tsup.config.ts `define`). Unbuilt sources (the
// tests) report `dev`; a prebuilt policy module records the version that built it.

declare const __LLM_POLICY_ENGINE_VERSION__: string | undefined;

export const ENGINE_VERSION: string = typeof __LLM_POLICY_ENGINE_VERSION__ === 'string' ? __LLM_POLICY_ENGINE_VERSION__ : 'dev';
