import { PlanningError } from '../planner.ts';

/** One message of a chat-completions conversation. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatServer {
  /** The server's base URL, with or without its /v1. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
}

/** The model's answer: its text, and whether it stopped because it ran out of tokens. */
export interface ChatAnswer {
  content: string | undefined;
  truncated: boolean;
}

/**
 * POST {base}/v1/chat/completions with a JSON-schema response format, through Node's fetch.
 * Transport failures become MODEL_UNAVAILABLE naming the server and what went wrong; the key
 * goes only in the Authorization header and never into a message.
 */
export async function complete(
  server: ChatServer,
  messages: ChatMessage[],
  responseFormat: { name: string; schema: unknown; strict: boolean },
): Promise<ChatAnswer> {
  const url = completionsUrl(server.baseUrl);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(server.apiKey ? { authorization: `Bearer ${server.apiKey}` } : {}) },
      body: JSON.stringify({
        model: server.model,
        messages,
        temperature: 0,
        response_format: { type: 'json_schema', json_schema: responseFormat },
      }),
      signal: AbortSignal.timeout(server.timeoutMs),
    });
  } catch (error) {
    throw unavailable(url, server, error);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw unavailable(url, server, error);
  }
  if (!response.ok) {
    throw new PlanningError('MODEL_UNAVAILABLE', `the model server at ${url} answered ${response.status}: ${excerpt(text)}`);
  }
  let body: { choices?: { message?: { content?: unknown }; finish_reason?: unknown }[] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new PlanningError(
      'MODEL_UNAVAILABLE',
      `the model server at ${url} does not speak the chat-completions format (its answer is not JSON: ${excerpt(text)})`,
    );
  }
  const choice = Array.isArray(body?.choices) ? body.choices[0] : undefined;
  if (!choice) throw new PlanningError('MODEL_UNAVAILABLE', `the model server at ${url} answered without choices: ${excerpt(text)}`);
  const content = choice.message?.content;
  return { content: typeof content === 'string' ? content : undefined, truncated: choice.finish_reason === 'length' };
}

function completionsUrl(base: string): string {
  const trimmed = base.replace(/\/+$/, '');
  return trimmed.endsWith('/v1') ? `${trimmed}/chat/completions` : `${trimmed}/v1/chat/completions`;
}

function unavailable(url: string, server: ChatServer, error: unknown): PlanningError {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return new PlanningError(
      'MODEL_UNAVAILABLE',
      `the model server at ${url} did not answer within ${Math.round(server.timeoutMs / 1000)} s`,
    );
  }
  return new PlanningError(
    'MODEL_UNAVAILABLE',
    `could not reach the model server at ${url}: ${e.cause?.code ?? e.cause?.message ?? e.message}`,
  );
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat || '(empty)';
}
