#!/usr/bin/env node
'use strict';
// Writes three deterministic evaluations into a Weave trace server (the WeaveEval emulator) with the
// real W&B Weave TypeScript SDK, then prints a JSON record of what it logged: per run the style, model,
// run id (read back through the SDK's own calls query), and per dataset row × trial the inputs, the
// model output and the scores. The Pester suite tests/Interop.Tests.ps1 reads the runs back with the
// module and compares them with this record.
//
// Usage: node write-evaluations.js --server http://127.0.0.1:PORT --api-key KEY [--project entity/project]
// (or WF_TRACE_SERVER_URL, WANDB_API_KEY and WEAVE_INTEROP_PROJECT in the environment).
//
// The SDK takes its trace server from WF_TRACE_SERVER_URL and its key from WANDB_API_KEY; with an
// 'entity/project' name, weave.init sends no request to the W&B API (no GraphQL viewer lookup).

const fs = require('fs');
const path = require('path');
const weave = require('weave');

function option(name, environmentName) {
  const at = process.argv.indexOf(`--${name}`);
  if (at >= 0 && at + 1 < process.argv.length) return process.argv[at + 1];
  return process.env[environmentName];
}

const server = option('server', 'WF_TRACE_SERVER_URL');
const apiKey = option('api-key', 'WANDB_API_KEY');
const project = option('project', 'WEAVE_INTEROP_PROJECT') || 'interop-team/ts-sdk-evals';
if (!server || !apiKey) {
  console.error('write-evaluations.js: give --server and --api-key (or WF_TRACE_SERVER_URL and WANDB_API_KEY).');
  process.exit(2);
}
process.env.WF_TRACE_SERVER_URL = server.replace(/\/+$/, '');
process.env.WANDB_API_KEY = apiKey;

// The SDK reports progress ("Evaluating 3/8 examples") and its call links with console.log; stdout
// carries only the record, so that goes to stderr.
const writeRecord = text => process.stdout.write(text + '\n');
console.log = (...args) => console.error(...args);

const rows = [
  { id: 'q1', question: 'What is 2+2?', expected: '4' },
  { id: 'q2', question: 'What is the capital of France?', expected: 'Paris' },
  { id: 'q3', question: 'What colour is a clear daytime sky?', expected: 'blue' },
  { id: 'q4', question: 'What is one divided by zero?', expected: 'undefined' },
];

// A fixed model: one answer is wrong (q3) and one question makes it throw (q4).
const answers = { q1: '4', q2: 'Paris', q3: 'green' };
const modelFailure = 'the model cannot divide by zero';
function answer(row) {
  if (!(row.id in answers)) throw new Error(modelFailure);
  return answers[row.id];
}

// The scorers' logic, shared by both styles: a boolean, a dict {correct, score} and a number.
const scoreExact = (row, output) => output === row.expected;
const scoreGraded = (row, output) => ({ correct: scoreExact(row, output), score: scoreExact(row, output) ? 0.8 : 0.1 });
const scoreLength = output => output.length;

async function runIdOf(client, modelName) {
  // The SDK's own read path: POST /calls/stream_query with the evaluate-op wildcard.
  const calls = await client.getCalls({ op_names: [`weave:///${project}/op/Evaluation.evaluate:*`] });
  const matches = calls.filter(call => typeof call.inputs.model === 'string' && call.inputs.model.includes(`/${modelName}:`));
  if (matches.length !== 1) throw new Error(`expected one run of ${modelName}, found ${matches.length}`);
  return matches[0].id;
}

function expectedTrial(row, trialIndex) {
  const { id, ...inputs } = row;
  const record = { rowId: id, inputs: { id, ...inputs }, trialIndex };
  if (!(row.id in answers)) return { ...record, modelSucceeded: false, output: null, scores: {} };
  const output = answer(row);
  return {
    ...record,
    modelSucceeded: true,
    output,
    scores: { exactMatch: scoreExact(row, output), graded: scoreGraded(row, output), answerLength: scoreLength(output) },
  };
}

async function declarativeEvaluation(client, dataset) {
  const modelName = 'cannedModel';
  const model = weave.op(async function cannedModel({ datasetRow }) {
    // Some think time, so that the model_latency the SDK measures around the call is above zero.
    await new Promise(resolve => setTimeout(resolve, 20));
    return answer(datasetRow);
  });
  const scorers = [
    weave.op(function exactMatch({ datasetRow, modelOutput }) {
      return scoreExact(datasetRow, modelOutput);
    }),
    weave.op(function graded({ datasetRow, modelOutput }) {
      return scoreGraded(datasetRow, modelOutput);
    }),
    weave.op(function answerLength({ modelOutput }) {
      return scoreLength(modelOutput);
    }),
  ];
  const evaluation = new weave.Evaluation({ name: 'interop-declarative', dataset, scorers });
  const nTrials = 2;
  const summary = await evaluation.evaluate({ model, nTrials });
  await client.waitForBatchProcessing();
  return {
    style: 'Evaluation',
    examples: 'datasetRows',
    evaluationName: 'interop-declarative',
    modelName,
    runId: await runIdOf(client, modelName),
    status: 'completed',
    trialsPerRow: nTrials,
    trials: rows.flatMap(row => Array.from({ length: nTrials }, (_, trial) => expectedTrial(row, trial))),
    sdkSummary: summary,
  };
}

async function loggedEvaluation(client, { evaluationName, modelName, examples, dataset }) {
  const logger = new weave.EvaluationLogger({
    name: evaluationName,
    model: { name: modelName },
    scorers: ['exactMatch', 'graded', 'answerLength'],
    ...(dataset ? { dataset } : {}),
  });
  const trials = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!(row.id in answers)) continue; // the logger logs what a model produced; a failure has nothing to log
    const output = answer(row);
    const example = examples === 'inline' ? { ...row } : dataset.getRow(i);
    const prediction = logger.logPrediction(example, output);
    await prediction.logScore('exactMatch', scoreExact(row, output));
    await prediction.logScore('graded', scoreGraded(row, output));
    await prediction.logScore('answerLength', scoreLength(output));
    await prediction.finish();
    trials.push(expectedTrial(row, 0));
  }
  await logger.logSummary();
  await client.waitForBatchProcessing();
  return {
    style: 'EvaluationLogger',
    examples,
    evaluationName,
    modelName,
    runId: await runIdOf(client, modelName),
    status: 'completed',
    trialsPerRow: 1,
    trials,
  };
}

async function main() {
  const client = await weave.init(project, { printCallLink: false });
  // The SDK marks the row objects it saves; it gets copies so that the record keeps the plain rows.
  const dataset = new weave.Dataset({ name: 'interop-questions', rows: rows.map(row => ({ ...row })) });
  const runs = [];
  runs.push(await declarativeEvaluation(client, dataset));
  runs.push(await loggedEvaluation(client, { evaluationName: 'interop-logger-inline', modelName: 'inlineLoggerModel', examples: 'inline' }));
  await dataset.save();
  runs.push(await loggedEvaluation(client, { evaluationName: 'interop-logger-rows', modelName: 'rowLoggerModel', examples: 'datasetRows', dataset }));
  // The package does not export its package.json; read the installed one beside its entry point.
  const manifest = JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve('weave')), '..', 'package.json'), 'utf8'));
  writeRecord(JSON.stringify({ sdk: { package: manifest.name, version: manifest.version }, project, runs }));
}

main().catch(error => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
