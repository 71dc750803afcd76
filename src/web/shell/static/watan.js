// Progressive enhancement only; every page works without this file.
// A select marked data-submit sends its form when changed (a filter or a sort order).
for (const select of document.querySelectorAll('select[data-submit]')) {
  select.addEventListener('change', () => select.form?.requestSubmit());
}
// A form marked data-confirm asks before it is sent (deleting a record).
for (const form of document.querySelectorAll('form[data-confirm]')) {
  form.addEventListener('submit', (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}
