import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { type AppSpec, parseSpec } from '../../src/builder/index.ts';
import { explainSpec } from '../../src/web/builder/explain.ts';

const examples = new URL('../../examples/apps/', import.meta.url);
const example = (name: string): AppSpec => parseSpec(JSON.parse(readFileSync(new URL(`${name}.json`, examples), 'utf8')));
const sentences = (spec: AppSpec, language: 'en' | 'ur', kind: string) =>
  explainSpec(spec, language).sections.find((section) => section.kind === kind)?.sentences ?? [];
/** The index-th sentence of a section, failing the test when there is none. */
const sentence = (spec: AppSpec, language: 'en' | 'ur', kind: string, index: number): string => {
  const found = sentences(spec, language, kind)[index];
  assert.ok(found !== undefined, `no sentence ${index} in ${kind}`);
  return found;
};

test('the complaints app is explained in English: fields, roles, who can do what, steps and messages', () => {
  const spec = example('complaint-tracking');
  const explained = explainSpec(spec, 'en');
  assert.equal(explained.name, 'Municipal Complaints');
  assert.match(explained.description ?? '', /^Citizens report problems/);
  const complaint = sentence(spec, 'en', 'entities', 0);
  assert.match(complaint, /^“Complaint”: /);
  assert.match(complaint, /Category \(one of: Water supply, Sewerage, Street light, Garbage, required\)/);
  assert.match(complaint, /What is wrong \(long text, required, at least 10 characters\)/);
  assert.match(complaint, /Ward \(whole number, from 1 to 500\)/);
  assert.match(complaint, /Assigned to \(a person \(messenger account\)\)/);
  assert.deepEqual(sentences(spec, 'en', 'roles'), [
    'Citizen: anyone with a verified national identity.',
    'Municipal staff: people the app’s owner names.',
  ]);
  assert.deepEqual(sentences(spec, 'en', 'permissions'), [
    'Citizen can add and see their own “Complaint” record.',
    'Municipal staff can see and change every “Complaint” record.',
  ]);
  assert.deepEqual(sentences(spec, 'en', 'workflow'), [
    'A new “Complaint” starts as “Submitted”.',
    '“Start work”: Municipal staff move it from “Submitted” to “In progress”.',
    '“Resolve”: Municipal staff move it from “In progress” to “Resolved”.',
    '“Reject”: Municipal staff move it from “Submitted” or “In progress” to “Rejected”.',
  ]);
  const messages = sentences(spec, 'en', 'notifications');
  assert.equal(
    messages.at(0),
    'When a “Complaint” is added, the message “New {category} complaint at {location}.” goes to Municipal staff.',
  );
  assert.equal(
    messages.at(1),
    'When a “Complaint” takes the step “Start work”, the message “Work has started on your complaint at {location}.” goes to the person who created the record.',
  );
});

test('the same app is explained in Urdu with its Urdu labels and Urdu digits', () => {
  const spec = example('complaint-tracking');
  const explained = explainSpec(spec, 'ur');
  assert.equal(explained.name, 'بلدیاتی شکایات');
  assert.deepEqual(
    explained.sections.map((section) => section.heading),
    ['یہ کیا محفوظ رکھتی ہے', 'کون استعمال کرتا ہے', 'کون کیا کر سکتا ہے', 'مراحل', 'پیغامات'],
  );
  const complaint = sentence(spec, 'ur', 'entities', 0);
  assert.match(complaint, /وارڈ \(عدد، ۱ سے ۵۰۰ تک\)/);
  assert.match(complaint, /مسئلہ کیا ہے \(طویل متن، لازمی، کم از کم ۱۰ حروف\)/);
  assert.equal(sentence(spec, 'ur', 'permissions', 0), 'شہری: اپنے «شکایت» ریکارڈ — بنانا، دیکھنا۔');
  assert.equal(
    sentence(spec, 'ur', 'workflow', 3),
    '«مسترد کریں»: بلدیہ کا عملہ اسے «جمع شدہ» یا «زیر کارروائی» سے «مسترد» میں لے جاتے ہیں۔',
  );
});

test('conditions, defaults, references with capacity and money limits are put in words', () => {
  const course = example('course-registration');
  assert.match(sentence(course, 'en', 'entities', 0), /Credit hours \(whole number, from 1 to 6, 3 unless filled in\)/);
  assert.match(sentence(course, 'en', 'entities', 1), /Course \(a “Course” record, required, no more than its “Seats” allow\)/);
  assert.equal(
    sentence(course, 'en', 'permissions', 3),
    'Student can delete their own “Registration” record when “Status” is “Registered”.',
  );
  const priced: AppSpec = {
    ...course,
    entities: [
      ...course.entities,
      {
        name: 'fee',
        label: { en: 'Fee', ur: 'فیس' },
        fields: [{ name: 'amount', label: { en: 'Amount', ur: 'رقم' }, type: 'money', min: 1250, max: 500000 }],
      },
    ],
  };
  assert.match(sentence(priced, 'en', 'entities', 2), /Amount \(amount in rupees, from Rs 12\.50 to Rs 5,000\)/);
  assert.match(sentence(priced, 'ur', 'entities', 2), /رقم \(رقم \(روپے\)، ۱۲٫۵۰ روپے سے ۵٬۰۰۰ روپے تک\)/);
});

test('no Urdu explanation of any example carries an English word outside its message placeholders and room ids', () => {
  for (const file of readdirSync(examples).filter((name) => name.endsWith('.json'))) {
    const spec = example(file.replace(/\.json$/, ''));
    const explained = explainSpec(spec, 'ur');
    for (const text of [explained.name, ...explained.sections.flatMap((s) => [s.heading, ...s.sentences])]) {
      const latin = text.replace(/\{[a-z_]+\}/g, '').replace(/![^\s:]+:[^\s]+/g, '');
      assert.doesNotMatch(latin, /[A-Za-z]/, `${file}: ${text}`);
    }
  }
});

test('an app with no permission says that nobody can do anything yet', () => {
  const spec = { ...example('complaint-tracking'), permissions: [], notifications: [] };
  assert.deepEqual(sentences(spec, 'en', 'permissions'), ['Nobody can do anything yet: no permission is given.']);
  assert.equal(
    explainSpec(spec, 'en').sections.some((s) => s.kind === 'notifications'),
    false,
  );
});
