import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_FORM_BYTES = 16 * 1024;

/** The sign-in page: a plain form (CNIC and PIN) that works without script, and so from a test's fetch. */
export function renderSignIn(uid: string, problem?: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in — Watan development identity provider</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}label,input,button{display:block;width:100%;margin:.4rem 0}input,button{padding:.5rem;font-size:1rem}.problem{color:#a00}.note{color:#555;font-size:.9rem}</style>
</head>
<body>
<h1>Sign in</h1>
<p class="note">Development identity provider. Only synthetic test people exist here (see src/identity/dev-provider/people.json).</p>
${problem ? `<p class="problem" role="alert">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}" autocomplete="off">
<label for="cnic">CNIC</label><input id="cnic" name="cnic" inputmode="numeric" placeholder="00000-0000000-0" pattern="\\d{5}-\\d{7}-\\d" required>
<label for="pin">PIN</label><input id="pin" name="pin" type="password" inputmode="numeric" required>
<button type="submit">Sign in</button>
</form>
</body>
</html>
`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** A form body (urlencoded) or a JSON object of strings, at most 16 KiB. */
export async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new FormError('the form is larger than 16 KiB');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if ((request.headers['content-type'] ?? '').startsWith('application/json')) {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new FormError('the body is not JSON');
    }
    if (body === null || typeof body !== 'object') throw new FormError('the body must be a JSON object');
    return new URLSearchParams(Object.entries(body).map(([key, value]): [string, string] => [key, String(value)]));
  }
  return new URLSearchParams(text);
}

export function sendHtml(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  response.end(html);
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

/** A request body the provider cannot read: the caller's mistake (400). */
export class FormError extends Error {
  override name = 'FormError';
}
