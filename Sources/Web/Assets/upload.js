// Upload with progress: the file goes as the request body (XHR reports upload progress), then the page polls
// the job until every rendition is encoded and the video is published.
(function () {
  const token = document.querySelector('meta[name="zenfs-token"]').content;
  const form = document.getElementById('upload');
  const $ = (id) => document.getElementById(id);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const file = form.file.files[0];
    if (!file) return;
    // encodeURIComponent, not URLSearchParams: a space must reach the server as %20, never as '+'.
    const fields = { title: form.elements.title.value, description: form.elements.description.value, tags: form.elements.tags.value };
    const query = Object.keys(fields).map((key) => key + '=' + encodeURIComponent(fields[key])).join('&');
    const request = new XMLHttpRequest();
    request.open('POST', '/api/videos?' + query);
    request.setRequestHeader('X-ZenFS-Token', token);
    request.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      $('sent').value = Math.floor(e.loaded * 100 / e.total);
      $('sentText').textContent = e.loaded + ' of ' + e.total + ' bytes';
    };
    request.onload = () => {
      let body = {};
      try { body = JSON.parse(request.responseText); } catch (_) { body = { error: request.responseText }; }
      if (request.status !== 202) { fail(body.error && body.error.message ? body.error.message : request.responseText); return; }
      $('sent').value = 100;
      poll(body.id);
    };
    request.onerror = () => fail('the upload was interrupted');
    $('progress').hidden = false;
    form.querySelector('button').disabled = true;
    request.send(file);
  });
  function fail(message) {
    $('failure').textContent = message;
    $('failure').hidden = false;
    form.querySelector('button').disabled = false;
  }
  function poll(id) {
    fetch('/api/jobs/' + id).then((r) => r.json()).then((job) => {
      $('stage').textContent = 'Stage: ' + job.stage + (job.encoder ? ' (' + job.encoder + ')' : '');
      const list = $('renditions');
      list.replaceChildren();
      Object.keys(job.renditions).sort((a, b) => parseInt(a) - parseInt(b)).forEach((name) => {
        const item = document.createElement('li');
        item.textContent = name + ': ' + job.renditions[name] + '%';
        item.dataset.rendition = name;
        list.appendChild(item);
      });
      if (job.stage === 'done') {
        $('watch').href = '/v/' + job.infoHash;
        $('done').hidden = false;
      } else if (job.stage === 'failed') {
        fail(job.error);
      } else {
        setTimeout(() => poll(id), 500);
      }
    }).catch(() => setTimeout(() => poll(id), 1000));
  }
})();
