// Progressive enhancement only; every page works without this file.
// A form marked data-confirm asks before it is sent (deleting a record).
for (const form of document.querySelectorAll('form[data-confirm]')) {
  form.addEventListener('submit', (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}
// After a refused form, the first field to fix takes the focus.
document.querySelector('[aria-invalid="true"]')?.focus();
