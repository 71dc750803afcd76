import type { AppSpec, SpecChange } from '../../builder/index.ts';
import { formatNumber, html, type Language, type SafeHtml } from '../shell/index.ts';
import { explainSpec } from './explain.ts';
import { builderText } from './messages.ts';

/** The spec in plain words, one list per part, under headings one level below `level`. */
export function explanationView(spec: AppSpec, lang: Language): SafeHtml {
  const explained = explainSpec(spec, lang);
  return html`<section class="explanation" aria-labelledby="plain-words">
<h2 id="plain-words">${builderText(lang).inPlainWords}: ${explained.name}</h2>
${explained.description ? html`<p>${explained.description}</p>` : ''}
${explained.sections.map(
  (section) => html`<h3>${section.heading}</h3>
<ul>${section.sentences.map((sentence) => html`<li>${sentence}</li>`)}</ul>`,
)}
</section>`;
}

/** An upgrade's changes, each marked safe or needing confirmation, in the person's language, with the records it touches. */
export function changesView(changes: readonly SpecChange[], lang: Language): SafeHtml {
  const t = builderText(lang);
  return html`<ul class="changes">${changes.map(
    (change) => html`<li data-safety="${change.safety}"><span class="state">${change.safety === 'safe' ? t.safe : t.confirm}</span>
${withoutVerdict(lang === 'ur' ? change.ur : change.en)}${change.records > 0 ? html` (${t.records(formatNumber(lang, change.records))})` : ''}</li>`,
  )}</ul>`;
}

/** The diff's sentence without its leading "safe: " / "confirm: " (the badge says it). */
function withoutVerdict(sentence: string): string {
  return sentence.replace(/^[^:：]{1,12}:\s*/, '');
}
