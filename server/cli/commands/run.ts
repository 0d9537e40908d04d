// narflow run <workflow.json|png> [--set nodeId.input=value ...] [--out dir]: runs a workflow
// in-process (no server), with a terminal progress bar; prints the files it wrote. With
// --server URL it queues the workflow on a running server and downloads the outputs instead.
import * as fs from 'fs';
import * as path from 'path';
import { type CliCommand, flag, type ParsedArgs } from '../command';
import { Executor } from '../../engine/executor/executor';
import { objectInfo } from '../../engine/registry/objectInfo';
import { summarise } from '../../engine/graph/validate';
import { WorkflowFormatError } from '../../engine/workflow/convert';
import { buildRegistry, pngTextFor } from '../../host/host';
import { preparePrompt } from '../../host/submit';
import { configFromFlags, HOST_FLAGS_HELP, HOST_OPTIONS, initDevice } from '../hostFlags';
import { applySettings, checkWorkflowPath, loadWorkflowFile, promptBody } from '../workflowFile';
import { checkOnServer, RemoteRunError, runOnServer } from '../remoteRun';
import { ProgressDisplay } from '../progressDisplay';
import { uiFiles, uiText } from '../uiFiles';
import { missingFileLines, missingFilesInPrompt, workflowModelSources } from '../../engine/workflow/missingFiles';

const USAGE = [
  'usage: narflow run <workflow.json | image.png> [--set nodeId.input=value ...] [--out DIR]',
  '  --set N.I=V       override input I of node N (V parsed as JSON when it can be, else a string;',
  '                    an input that takes text (STRING, COMBO) gets V as typed)',
  '  --only N[,N...]   run only these output nodes and what they need (the rest need not be valid)',
  '  --out DIR         output folder (default: <data-dir>/output; with --server: ./output)',
  '  --server URL      queue it on a running narflow server (its nodes, models and device), stream',
  '                    the progress and download the outputs into --out; Ctrl-C interrupts it there',
  '  --token T         the server\'s token (or set NARFLOW_TOKEN)',
  '  --check           check the workflow against this machine\'s nodes and files (with --server: that',
  '                    server\'s) and say what would run, without running or queueing it (exit 0: it',
  '                    would run; 1: what is wrong, and the missing files)',
  ...HOST_FLAGS_HELP,
].join('\n');

/** --only 7,11 (or repeated): the output nodes to run, or undefined for all. */
function onlyTargets(args: ParsedArgs): string[] | undefined {
  const ids = (args.flags.get('only') ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return ids.length ? ids : undefined;
}

export const command: CliCommand = {
  name: 'run',
  summary: 'run a workflow headless (API or editor form) and print the files it wrote',
  usage: USAGE,
  options: { values: ['set', 'only', 'out', 'server', 'token', ...HOST_OPTIONS], booleans: ['check'], positional: 1 },
  async run(args) {
    if (args.positional.length !== 1) {
      process.stderr.write(`narflow run: expected one workflow file\n${USAGE}\n`);
      return 2;
    }
    try {
      checkWorkflowPath(path.resolve(args.positional[0]));
    } catch (e) {
      if (!(e instanceof WorkflowFormatError)) throw e;
      process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    const server = flag(args, 'server');
    if (server !== undefined) {
      const local = ['data-dir', 'packs', 'plugins', 'models', 'device'].filter((f) => args.flags.has(f));
      if (local.length) {
        process.stderr.write(`error: ${local.map((f) => `--${f}`).join(', ')} choose how this machine runs a workflow; with --server the server decides\n`);
        return 2;
      }
      try {
        return await (args.flags.has('check') ? checkOnServer : runOnServer)({
          server,
          token: flag(args, 'token') ?? process.env.NARFLOW_TOKEN,
          file: args.positional[0],
          settings: args.flags.get('set') ?? [],
          only: onlyTargets(args),
          out: path.resolve(flag(args, 'out') ?? 'output'),
          stdout: process.stdout,
          stderr: process.stderr,
        });
      } catch (e) {
        if (e instanceof RemoteRunError || e instanceof WorkflowFormatError) {
          process.stderr.write(`error: ${e.message}\n`);
          return 1;
        }
        throw e;
      }
    }
    if (args.flags.has('token')) {
      process.stderr.write('error: --token is for a --server; a local run needs none\n');
      return 2;
    }
    const config = configFromFlags(args);
    // a local run reads the files its user names; a server or worker reads only its own folders
    config.paths.anyPath = true;
    const out = flag(args, 'out');
    if (out) config.paths.output = path.resolve(out);
    for (const dir of [config.paths.output, config.paths.temp]) fs.mkdirSync(dir, { recursive: true });
    const { registry, report } = buildRegistry(config);
    for (const f of report.failed) process.stderr.write(`warning: node pack ${f.dir} not loaded: ${f.error}\n`);
    const host = { registry, config, objectInfo: () => objectInfo(registry, config.paths) };
    const info = host.objectInfo();

    let loaded;
    try {
      loaded = applySettings(loadWorkflowFile(path.resolve(args.positional[0]), info), args.flags.get('set') ?? [], info);
    } catch (e) {
      if (e instanceof WorkflowFormatError) {
        process.stderr.write(`error: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
    const only = onlyTargets(args);
    const body = promptBody(loaded);
    const prepared = preparePrompt(host, only ? { ...body, partial_execution_targets: only } : body);
    if (!prepared.ok) {
      process.stderr.write(`error: ${prepared.error.error.message}\n${summarise(prepared.error.node_errors)}\n`);
      // a workflow shared without its files: where each goes, and where the workflow says to get it
      const missing = missingFilesInPrompt(loaded.prompt, info, workflowModelSources(loaded.workflow));
      if (missing.length) process.stderr.write(`missing files (put each in its folder and run again):\n${missingFileLines(missing).map((l) => `  ${l}`).join('\n')}\n`);
      return 1;
    }
    const { prompt, outputs, workflow } = prepared.value;
    if (args.flags.has('check')) {
      const types = (ids: string[]) => ids.map((id) => `${id} (${prompt[id].class_type})`).join(', ');
      process.stdout.write(`ok: ${Object.keys(prompt).length} nodes would run, output nodes ${types(outputs)}\n`);
      return 0;
    }
    const usesTensors = Object.values(prompt).some((n) => registry.entry(n.class_type)?.pack !== 'core');
    config.backend = usesTensors ? await initDevice(flag(args, 'device') ?? 'auto') : config.backend;

    const executor = new Executor({ registry, paths: config.paths, log: config.log });
    const abort = new AbortController();
    const onSigint = () => abort.abort();
    process.once('SIGINT', onSigint);
    const display = new ProgressDisplay(prompt, process.stderr);
    const promptId = `run-${Date.now().toString(36)}`;
    const item = { id: promptId, number: 0, prompt, outputs, extra: { extra_pnginfo: { workflow } }, createdAt: Date.now() };
    const result = await executor.run({ promptId, prompt, outputs, signal: abort.signal, emit: (ev) => display.handle(ev), pngText: pngTextFor(item) });
    process.off('SIGINT', onSigint);

    for (const ui of Object.values(result.outputs)) {
      for (const file of uiFiles(ui)) {
        const root = file.type === 'temp' ? config.paths.temp : file.type === 'input' ? config.paths.input : config.paths.output;
        process.stdout.write(path.join(root, file.subfolder ?? '', file.filename) + '\n');
      }
      for (const t of uiText(ui)) process.stdout.write(t + '\n');
    }
    if (result.status === 'error') {
      const e = result.error!;
      process.stderr.write(`error: node ${e.nodeId} (${e.nodeType}): ${e.message}\n`);
      return 1;
    }
    if (result.status === 'interrupted') {
      process.stderr.write('interrupted\n');
      return 130;
    }
    return 0;
  },
};
