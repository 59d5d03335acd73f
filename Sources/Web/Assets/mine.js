// Edit (publishes a new metainfo) and remove, with the node's token.
(function () {
  const token = document.querySelector('meta[name="zenfs-token"]').content;
  document.querySelectorAll('form.mine').forEach((form) => {
    const status = form.querySelector('.status');
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const remove = event.submitter && event.submitter.name === 'remove';
      const id = form.dataset.id;
      const request = remove
        ? fetch('/api/videos/' + id, { method: 'DELETE', headers: { 'X-ZenFS-Token': token } })
        : fetch('/api/videos/' + id + '/edit', {
            method: 'POST',
            headers: { 'X-ZenFS-Token': token, 'Content-Type': 'application/json' },
            body: JSON.stringify({ title: form.elements.title.value, tags: form.elements.tags.value, description: form.elements.description.value }),
          });
      status.textContent = remove ? 'removing…' : 'publishing…';
      request.then(async (r) => {
        const body = await r.json().catch(() => ({}));
        if (!r.ok) { status.textContent = body.error ? body.error.message : 'failed'; return; }
        if (remove) { form.remove(); } else { form.dataset.id = body.id; status.textContent = 'published as ' + body.id; }
      });
    });
  });
})();
