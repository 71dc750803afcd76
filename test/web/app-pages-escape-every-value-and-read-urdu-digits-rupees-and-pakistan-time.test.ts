/**
 * The pieces under every generated app page: the html template escapes whatever it is given,
 * forms read Urdu digits, rupees and Pakistan time into the values the spec stores, and those
 * values read back the same way; multipart forms carry their files byte for byte.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FieldSpec } from '../../src/builder/index.ts';
import { displayValue, inputValueOf, parseInput } from '../../src/web/apps/field-values.ts';
import { parseMultipart } from '../../src/web/shell/form-bodies.ts';
import { html, localPathOf, raw } from '../../src/web/shell/index.ts';

const field = (type: FieldSpec['type'], extra: Partial<FieldSpec> = {}): FieldSpec => ({
  name: 'f',
  label: { en: 'F', ur: 'ف' },
  type,
  ...extra,
});

test('every interpolation is escaped; only raw() and nested html pass through', () => {
  const hostile = `<script>alert("x")</script>' onmouseover='y`;
  assert.equal(
    html`<p title="${hostile}">${hostile}</p>`.value,
    '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;y">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;y</p>',
  );
  assert.equal(html`<ul>${['<a>', html`<li>ok</li>`]}</ul>`.value, '<ul>&lt;a&gt;<li>ok</li></ul>');
  assert.equal(html`${null}${undefined}${false}${0}${raw('<b>')}`.value, '0<b>');
});

test('numbers typed in Urdu digits are whole numbers; anything else is named as not one', () => {
  assert.deepEqual(parseInput(field('number'), '۱۲'), { value: 12 });
  assert.deepEqual(parseInput(field('number'), ' 1,250 '), { value: 1250 });
  assert.deepEqual(parseInput(field('number'), '12.5'), { problem: 'whole_number' });
  assert.deepEqual(parseInput(field('number'), ''), { value: null });
});

test('rupees become paisa and read back as rupees', () => {
  assert.deepEqual(parseInput(field('money'), '1250.5'), { value: 125050 });
  assert.deepEqual(parseInput(field('money'), 'Rs 1,250'), { value: 125000 });
  assert.deepEqual(parseInput(field('money'), '-3.25'), { value: -325 });
  assert.deepEqual(parseInput(field('money'), '1.234'), { problem: 'amount' });
  assert.equal(inputValueOf(field('money'), 125050), '1250.50');
  assert.equal(inputValueOf(field('money'), -325), '-3.25');
  assert.equal(displayValue('ur', field('money'), 125000, { yes: 'ہاں', no: 'نہیں' }), '۱٬۲۵۰ روپے');
});

test('a date-time typed in Pakistan time is stored in UTC and shown back in Pakistan time', () => {
  assert.deepEqual(parseInput(field('datetime'), '2026-03-01T09:30'), { value: '2026-03-01T04:30:00Z' });
  assert.equal(inputValueOf(field('datetime'), '2026-03-01T04:30:00Z'), '2026-03-01T09:30');
  assert.match(displayValue('ur', field('datetime'), '2026-03-01T04:30:00Z', { yes: '', no: '' }), /۲۰۲۶/);
});

test('yes/no and choices read as the person’s words', () => {
  const choice = field('choice', { choices: [{ value: 'water', label: { en: 'Water', ur: 'پانی' } }] });
  assert.equal(displayValue('ur', choice, 'water', { yes: '', no: '' }), 'پانی');
  assert.deepEqual(parseInput(field('yes_no'), 'no'), { value: false });
  assert.deepEqual(parseInput(field('yes_no'), 'maybe'), { problem: 'yes_no' });
});

test('a multipart form gives its text fields and its file byte for byte', () => {
  const bytes = Buffer.from([0, 1, 2, 13, 10, 45, 45, 255]);
  const boundary = '----x';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="location"\r\n\r\nBlock 7\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`),
    bytes,
    Buffer.from(
      `\r\n--${boundary}\r\nContent-Disposition: form-data; name="empty"; filename=""\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--${boundary}--\r\n`,
    ),
  ]);
  const form = parseMultipart(body, `multipart/form-data; boundary=${boundary}`);
  assert.equal(form.fields.location, 'Block 7');
  assert.deepEqual(form.files.photo?.bytes, bytes);
  assert.equal(form.files.photo?.contentType, 'image/png');
  assert.equal(form.files.empty, undefined, 'a file input left empty is no file');
});

test('the address to come back to after signing in is a path of this site, or home', () => {
  assert.equal(localPathOf('/apps/x?view=a'), '/apps/x?view=a');
  for (const away of [
    '//evil.example',
    '/\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    'https://evil.example',
    'apps',
    undefined,
    42,
  ]) {
    assert.equal(localPathOf(away), '/', String(away));
  }
});
