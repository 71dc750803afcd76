// Progressive enhancement only; every page works without this file.
// A select marked data-submit sends its form when changed (a filter or a sort order).
for (const select of document.querySelectorAll('select[data-submit]')) {
  select.addEventListener('change', () => select.form?.requestSubmit());
}
