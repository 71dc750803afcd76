/**
 * A browser as far as sign-in needs one, for tests: it keeps cookies per host, follows
 * redirects and submits forms, over plain HTTP (no page script, as the provider's sign-in page
 * needs none).
 */
export class Browser {
  private readonly cookies = new Map<string, Map<string, string>>();

  /** One request; the answer's cookies are kept. */
  async request(url: string, form?: Record<string, string>): Promise<Response> {
    const host = new URL(url).hostname;
    const jar = this.cookies.get(host) ?? new Map<string, string>();
    this.cookies.set(host, jar);
    const headers: Record<string, string> = { accept: 'text/html' };
    if (jar.size > 0) headers.cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      headers,
      redirect: 'manual',
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
      signal: AbortSignal.timeout(20_000),
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = cookie.split(';');
      const [name = '', ...value] = pair.trim().split('=');
      const gone = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute) || /^\s*expires=Thu, 01 Jan 1970/i.test(attribute));
      if (gone || value.join('=') === '') jar.delete(name);
      else jar.set(name, value.join('='));
    }
    return response;
  }

  /**
   * Follows redirects from `url` (or from submitting `form` to it) until one points at a URL
   * `arrived` accepts, or a page answers. Gives either where it arrived or the page.
   */
  async follow(
    url: string,
    arrived: (location: string) => boolean,
    form?: Record<string, string>,
  ): Promise<{ arrivedAt: string } | { page: Response; url: string }> {
    let current = url;
    let response = await this.request(current, form);
    for (let hops = 0; hops < 20; hops++) {
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { page: response, url: current };
      current = new URL(location, current).href;
      if (arrived(current)) return { arrivedAt: current };
      response = await this.request(current);
    }
    throw new Error(`more than 20 redirects from ${url}`);
  }
}
