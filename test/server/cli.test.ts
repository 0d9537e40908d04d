// `narflow run` headless, as a real child process.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readPngText } from '../../models/image/png';
import { generateShapesVideos } from '../../models/data/shapesVideo';
import { encodeGif } from '../../nodes/nar/video/gifEncoder';
import { ffmpegAvailable } from '../../nodes/nar/video/mp4Writer';

const BIN = path.resolve(__dirname, '../../bin/narflow.js');
const DEMO = path.resolve(__dirname, '../../workflows/core-demo.json');

function narflow(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60000 });
}

describe('narflow run', () => {
  it('runs the editor-form core-demo, prints its outputs and writes a PNG carrying both workflow forms', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-cli-'));
    const out = path.join(dir, 'out');
    const r = narflow(['run', DEMO, '--out', out, '--data-dir', dir, '--packs', 'core', '--set', '2.delay_ms=1', '--set', '4.filename_prefix=cli/demo']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    const printed = r.stdout.trim().split('\n');
    const saved = printed.find((p) => p.startsWith(out))!;
    expect(saved).toBe(path.join(out, 'cli', 'demo_00001_.png'));
    const text = readPngText(fs.readFileSync(saved));
    const prompt = JSON.parse(text.prompt);
    const workflow = JSON.parse(text.workflow);
    expect(prompt['2'].inputs.delay_ms).toBe(1);
    expect(workflow.nodes.find((n: any) => n.id === 2).widgets_values[1]).toBe(1); // --set reached the editor form too
    expect(workflow.nodes.map((n: any) => n.type).sort()).toEqual(['ColorGradient', 'ImageInvert', 'PreviewImage', 'SaveImage', 'SlowCounter']);
    expect(printed.some((p) => p.includes(path.join(dir, 'user', 'temp')))).toBe(true);
    // Runs again from the PNG it wrote; names never collide.
    const again = narflow(['run', saved, '--out', out, '--data-dir', dir, '--packs', 'core']);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(path.join(out, 'cli', 'demo_00002_.png'));
  });

  (ffmpegAvailable() ? it : it.skip)('prints the real path of every file an output lists: Save Video as MP4 (ui.videos) and as GIF', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-cli-'));
    fs.mkdirSync(path.join(dir, 'input'));
    fs.writeFileSync(path.join(dir, 'input', 'clip.gif'), encodeGif(generateShapesVideos(1, 4, { size: 16, frames: 3 }).videos));
    const wf = path.join(dir, 'both.json');
    fs.writeFileSync(
      wf,
      JSON.stringify({
        '1': { class_type: 'LoadVideo', inputs: { video: 'clip.gif', frame_load_cap: 0, skip_first_frames: 0, select_every_nth: 1 } },
        '2': { class_type: 'SaveVideo', inputs: { videos: ['1', 0], filename_prefix: 'sv/mp4', format: 'mp4', scale: 1 } },
        '3': { class_type: 'SaveVideo', inputs: { videos: ['1', 0], filename_prefix: 'sv/gif', format: 'gif', scale: 1 } },
      }),
    );
    const out = path.join(dir, 'out');
    const r = narflow(['run', wf, '--out', out, '--data-dir', dir, '--packs', 'core,nar', '--device', 'wasm']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    const mp4 = path.join(out, 'sv', 'mp4_00001_.mp4');
    const gif = path.join(out, 'sv', 'gif_00001_.gif');
    const printed = r.stdout.trim().split('\n');
    expect(printed.filter((l) => l.startsWith(out)).sort()).toEqual([gif, mp4]);
    expect(printed).not.toContain('sv/mp4_00001_.mp4'); // the MP4's real path instead of the relative one its node shows
    expect(fs.statSync(mp4).size).toBeGreaterThan(0);
    expect(fs.statSync(gif).size).toBeGreaterThan(0);
  });

  it('--set gives a STRING input the text as typed, a number-looking one included', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-cli-'));
    const out = path.join(dir, 'out');
    const r = narflow(['run', DEMO, '--out', out, '--data-dir', dir, '--packs', 'core', '--set', '2.delay_ms=1', '--set', '4.filename_prefix=2024']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(path.join(out, '2024_00001_.png'));
  });

  it('exits non-zero with the per-node messages on a validation error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-cli-'));
    const r = narflow(['run', DEMO, '--data-dir', dir, '--packs', 'core', '--set', '2.steps=0', '--set', '1.direction=up']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("node 2 (SlowCounter): input 'steps' is 0, below the minimum 1");
    expect(r.stderr).toMatch(/node 1 \(ColorGradient\): input 'direction' is "up", not one of/);
  });

  it('exits non-zero naming the node on an execution error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-cli-'));
    const r = narflow(['run', DEMO, '--data-dir', dir, '--packs', 'core', '--set', '1.color_a=red']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error: node 1 (ColorGradient): color_a must be a colour like #ff8800, got "red"');
  });

  it('says a model file given as the workflow is a model file, and where it goes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-cli-'));
    fs.writeFileSync(path.join(dir, 'c2i_B.pt'), 'PK');
    const r = narflow(['run', path.join(dir, 'c2i_B.pt'), '--data-dir', dir, '--packs', 'core']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: c2i_B\.pt is a model file, not a workflow: put it in the server's weights\/ folder of its kind \(weights\/nar\/ for NAR models/);
  });

  it('says a directory is not a workflow and lists the .json files in it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-cli-'));
    fs.writeFileSync(path.join(dir, 'b.json'), '{}');
    fs.writeFileSync(path.join(dir, 'a.json'), '{}');
    fs.writeFileSync(path.join(dir, 'notes.txt'), '');
    const r = narflow(['run', dir, '--data-dir', dir, '--packs', 'core']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`error: expected a workflow .json or a PNG made by narflow, got the directory ${dir}; the .json files in it: a.json, b.json\n`);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-cli-'));
    const none = narflow(['run', empty, '--server', 'http://127.0.0.1:9']); // refused before any server is asked
    expect(none.status).toBe(1);
    expect(none.stderr).toBe(`error: expected a workflow .json or a PNG made by narflow, got the directory ${empty}; it holds no .json files\n`);
  });

  it('refuses an unknown option instead of running with defaults', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'narflow-cli-'));
    const r = narflow(['run', DEMO, '--data-dir', dir, '--packs', 'core', '--sett', '1.seed=abc']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^narflow run: unknown option --sett \(did you mean --set\?\)\nrun takes --set, --only, --out, /);
    expect(fs.existsSync(path.join(dir, 'output'))).toBe(false); // nothing ran
  });
});
