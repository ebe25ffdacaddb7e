// Builders of the normalized input (docs/input.md) from LLM SDK request and response shapes.
// Pure and runtime-neutral: they import no SDK and never modify what they are given.
//
//   const request = fromOpenAIChat(params);
//   const decision = engine.evaluate({ request, user });
//   ...
//   const after = engine.evaluate({ request, response: responseFromOpenAIChat(completion), user });

export {
  fromAISDK,
  fromAnthropicMessages,
  fromOpenAIChat,
  fromOpenAIResponses,
  type AISDKModelInfo,
  type BuildOptions,
} from './request.js';
export { responseFromAISDK, responseFromAnthropic, responseFromOpenAIChat, responseFromOpenAIResponses } from './response.js';
export type {
  ContentPart,
  FilePart,
  FinishReason,
  ImagePart,
  Message,
  NormalizedRequest,
  NormalizedResponse,
  Provider,
  Role,
  TextPart,
  ToolCall,
  ToolCallPart,
  ToolDefinition,
  ToolResultPart,
  ResponseUsage,
} from './types.js';
