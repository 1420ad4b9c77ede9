// Sends the token once; the controller answers with an HttpOnly cookie that
// lets this browser read the API and the event stream.
document.getElementById('login').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const res = await fetch('/ui/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: document.getElementById('token').value }),
  });
  if (res.ok) location.href = '/ui/';
  else document.getElementById('login-error').textContent = (await res.json()).error.message;
});
