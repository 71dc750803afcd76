/** A form read from a page's HTML as a browser without JavaScript would send it: for tests of the builder's forms. */
import assert from 'node:assert/strict';

/** Every control of the page's form that posts to `action`, with the values a browser would send unchanged. */
export function formFields(page: string, action: string): [string, string][] {
  const start = page.indexOf(`action="${action}"`);
  assert.ok(start >= 0, `the page has a form posting to ${action}`);
  const form = page.slice(start, page.indexOf('</form>', start));
  const fields: [string, string][] = [];
  const unescaped = (text: string) =>
    text
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  for (const match of form.matchAll(/<input ([^>]*)>/g)) {
    const attributes = match[1] ?? '';
    const name = /name="([^"]*)"/.exec(attributes)?.[1];
    if (!name) continue;
    const type = /type="([^"]*)"/.exec(attributes)?.[1] ?? 'text';
    if ((type === 'checkbox' || type === 'radio') && !/ checked/.test(attributes)) continue;
    fields.push([name, unescaped(/value="([^"]*)"/.exec(attributes)?.[1] ?? (type === 'checkbox' ? 'on' : ''))]);
  }
  for (const match of form.matchAll(/<select id="[^"]*" name="([^"]*)"[^>]*>(.*?)<\/select>/gs)) {
    const selected = /<option value="([^"]*)" selected>/.exec(match[2] ?? '') ?? /<option value="([^"]*)"/.exec(match[2] ?? '');
    fields.push([match[1] ?? '', unescaped(selected?.[1] ?? '')]);
  }
  for (const match of form.matchAll(/<textarea [^>]*name="([^"]*)"[^>]*>(.*?)<\/textarea>/gs))
    fields.push([match[1] ?? '', unescaped(match[2] ?? '')]);
  return fields;
}
