// The normalized view of an LLM call that policies read (docs/input.md): `request` before the
// call, `response` after it. Every builder in this folder produces these shapes; policies and
// the llm.*, pii.* and injection.* functions rely on nothing else.

export type Provider = 'openai' | 'anthropic' | 'google' | 'mistral' | (string & {});

export interface TextPart {
  type: 'text';
  text: string;
  /**
   * Where the text comes from, when it is not the message's author: `'document'` for a retrieved
   * or attached document (the builders set it for Anthropic documents and search results; hosts
   * set it on text they insert from RAG), `'tool'` for a tool's output. injection.* scores the
   * text in that channel (docs/injection.md).
   */
  channel?: 'user' | 'document' | 'tool' | 'system';
}

export interface ImagePart {
  type: 'image';
  /** An http(s) URL or a provider file id; data: URLs and inline bytes are not copied. */
  url?: string;
  media_type?: string;
  detail?: string;
}

export interface FilePart {
  type: 'file';
  media_type?: string;
  filename?: string;
  url?: string;
}

export interface ToolCallPart {
  type: 'tool_call';
  id?: string;
  name: string;
  /** The arguments as JSON text (`json.parse(part.arguments)` gives the map). */
  arguments: string;
}

export interface ToolResultPart {
  type: 'tool_result';
  tool_call_id?: string;
  name?: string;
  /** The result as text (JSON text for structured results), so that text scanners see it. */
  text: string;
  is_error?: boolean;
}

export type ContentPart = TextPart | ImagePart | FilePart | ToolCallPart | ToolResultPart;

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface Message {
  role: Role;
  content: string | ContentPart[];
  name?: string;
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters?: unknown;
  /** For provider tools (web search, code execution, ...): the provider's tool type. */
  type?: string;
}

export interface NormalizedRequest {
  provider?: Provider;
  model: string;
  /** The system prompt given apart from the messages (Anthropic `system`, OpenAI Responses `instructions`). */
  system?: string;
  messages: Message[];
  tools?: ToolDefinition[];
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  stream?: boolean;
  /** OpenAI reasoning effort ('minimal' ... 'high'), when the request sets one. */
  reasoning_effort?: string;
  /** Caller metadata: OpenAI `metadata` and `user`, Anthropic `metadata.user_id`, AI SDK `headers` are not copied. */
  metadata?: Record<string, unknown>;
}

export interface ToolCall {
  id?: string;
  name: string;
  /** JSON text. */
  arguments: string;
}

/** stop | length | tool_calls | content_filter | error | other */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error' | 'other';

export interface ResponseUsage {
  /** All input tokens, cached ones included. */
  input_tokens: number;
  /** All output tokens, reasoning ones included. */
  output_tokens: number;
  /** The part of input_tokens read from a prompt cache. */
  cached_input_tokens: number;
  /** The part of input_tokens written to a prompt cache; present when the provider reports cache writes. */
  cache_write_tokens?: number;
  /** The part of output_tokens spent on reasoning. */
  reasoning_tokens: number;
}

export interface NormalizedResponse {
  provider?: Provider;
  model?: string;
  text: string;
  tool_calls: ToolCall[];
  finish_reason: FinishReason;
  usage: ResponseUsage;
}
