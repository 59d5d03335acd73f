// The development faucet on /node.
(function () {
  const form = document.getElementById('faucet');
  if (!form) return;
  const token = document.querySelector('meta[name="zenfs-token"]').content;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const status = form.querySelector('.status');
    fetch('/api/faucet', {
      method: 'POST',
      headers: { 'X-ZenFS-Token': token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ amount: form.amount.value }),
    }).then(async (r) => {
      const body = await r.json().catch(() => ({}));
      status.textContent = r.ok ? 'sent in ' + body.transaction + '; it counts once mined' : (body.error ? body.error.message : 'refused');
    });
  });
})();
