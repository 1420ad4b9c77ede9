// The web view's files and its login: behind the API token, with a cookie
// that a browser can carry and that is good for reads only.
import { expect } from 'chai';
import { makeApi, network1 } from '../api/helpers.js';

describe('ui: the web view behind the token', () => {
  it('sends a page without the cookie to the login; the token sets a read-only cookie', async () => {
    const { app } = await makeApi({ token: 'tok' });
    const page = await app.inject({ method: 'GET', url: '/ui/' });
    expect(page.statusCode).to.equal(302);
    expect(page.headers.location).to.equal('/ui/login.html');
    const login = await app.inject({ method: 'GET', url: '/ui/login.html' });
    expect(login.statusCode).to.equal(200);
    expect(login.body).to.contain('API token');
    for (const f of ['/ui/login.js', '/ui/style.css']) expect((await app.inject({ method: 'GET', url: f })).statusCode, f).to.equal(200);
    expect((await app.inject({ method: 'GET', url: '/ui/app.js' })).statusCode, 'the view itself needs the token').to.equal(302);
    const wrong = await app.inject({ method: 'POST', url: '/ui/login', payload: { token: 'nope' } });
    expect(wrong.statusCode).to.equal(401);
    expect(wrong.headers['set-cookie']).to.equal(undefined);
    const right = await app.inject({ method: 'POST', url: '/ui/login', payload: { token: 'tok' } });
    expect(right.statusCode).to.equal(200);
    const cookie = String(right.headers['set-cookie']);
    expect(cookie).to.match(/^spotlight_token=tok; Path=\/; HttpOnly; SameSite=Strict$/);
    const jar = { cookie: cookie.split(';')[0]! };

    const index = await app.inject({ method: 'GET', url: '/ui/', headers: jar });
    expect(index.statusCode).to.equal(200);
    expect(index.headers['content-type']).to.match(/^text\/html/);
    expect(index.body).to.contain('/ui/vendor/cytoscape.min.js').and.not.match(/https?:\/\//);
    const lib = await app.inject({ method: 'GET', url: '/ui/vendor/cytoscape.min.js', headers: jar });
    expect(lib.statusCode).to.equal(200);
    expect(lib.headers['content-type']).to.match(/javascript/);
    expect(lib.body.length).to.be.above(100_000);
    expect((await app.inject({ method: 'GET', url: '/ui/app.js', headers: jar })).statusCode).to.equal(200);
    expect((await app.inject({ method: 'GET', url: '/v1/switches', headers: jar })).statusCode).to.equal(200);
    // Writes need the header: the cookie alone is refused.
    const write = await app.inject({ method: 'PUT', url: '/v1/networks/n1', headers: jar, payload: network1 });
    expect(write.statusCode).to.equal(401);
    // The web view's files are no part of the API description.
    const doc = (await app.inject({ method: 'GET', url: '/v1/openapi.json', headers: jar })).json();
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/ui'))).to.deep.equal([]);
    await app.close();
  });
});
