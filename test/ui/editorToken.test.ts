// The editor against a server that requires a token: the page is opened once with ?token=, then
// every API call, image and the socket.io connection carry it.
import { describeWithChromium, dropFromPalette, openEditor, type EditorSession } from './browserHelpers';
import { EDITOR_ONLY_SPECS } from '../../ui/src/graph/editorOnlyNodes';

const describeBrowser = describeWithChromium('test/ui/editorToken.test.ts');

jest.setTimeout(120_000);

describeBrowser('editor with a server token', () => {
  let s: EditorSession;
  beforeAll(async () => {
    s = await openEditor({ token: 'ui-secret-token' });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('loads the node types, connects the socket and runs a prompt with its image', async () => {
    const { page } = s;
    expect(await page.$$eval('.palette-item', (els) => els.length)).toBe(Object.keys(s.host.objectInfo()).length + EDITOR_ONLY_SPECS.length);
    await page.waitForSelector('#status-connection.connected');
    await page.click('#new-button');
    const gif = await dropFromPalette(page, 'AnimatedGif', 200, 120);
    await page.click('#queue-button');
    await page.waitForFunction(() => (window as any).narflow.runState.phase === 'success', null, { timeout: 30000 });
    const images = await page.evaluate((id) => (window as any).narflow.runState.peek(String(id)).images, gif);
    expect(images).toHaveLength(1);
    const url: string = await page.evaluate((ref) => (window as any).narflow.client.viewUrl(ref), images[0]);
    expect(await page.evaluate(async (u) => (await fetch(u)).status, url)).toBe(200);
    const bare = `${s.server.url}/api/view?filename=${encodeURIComponent(images[0].filename)}&type=output`;
    expect((await fetch(bare)).status).toBe(401);
  });

  it('takes the token out of the address bar, and still has it after a reload', async () => {
    const { page } = s;
    expect(await page.evaluate(() => location.href)).toBe(`${s.server.url}/`);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
    await page.waitForSelector('#status-connection.connected');
    expect(await page.evaluate(async () => (await (window as any).narflow.client.queue()) !== undefined)).toBe(true);
    expect(s.pageErrors).toEqual([]);
  });
});
