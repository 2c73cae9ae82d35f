// leverlab's worker: runs the second wasm module (worker.js / worker_bg.wasm) for the page.
// Messages in: {id, task, scenario} (task and scenario as JSON text), {id, import: texts JSON,
// venue} (the page's venue import, answered at once) or {cancel: id}.
// Messages out: {id, progress: 0..1}, {id, answer} (JSON text: {"ok": …} or {"error": …}),
// {id, cancelled: true}. Every open job gets a slice of about SLICE_MS in turn (so a short
// task is answered at once even while a long Monte Carlo runs); between rounds the worker
// yields, so a cancel (or a newer request that replaces an older one) is seen at once.
import init, { WorkJob, importForPage } from './worker.js';

const SLICE_MS = 25;
const ready = init({ module_or_path: new URL('worker_bg.wasm', import.meta.url) });
const queue = [];
const cancelled = new Set();
let busy = false;

// A yield that lets queued messages in (a MessageChannel round trip; no 4 ms timer clamp).
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()?.();
const yieldNow = () => new Promise((r) => { waiting.push(r); channel.port2.postMessage(0); });

self.onmessage = (e) => {
  const m = e.data;
  if (m && m.cancel !== undefined) cancelled.add(m.cancel);
  else { queue.push(m); pump(); }
};

const fail = (id, err) => postMessage({ id, answer: JSON.stringify({ error: String(err) }) });

async function pump() {
  if (busy) return;
  busy = true;
  try {
    await ready;
  } catch (err) {
    for (const m of queue.splice(0)) fail(m.id, `the worker module did not load: ${err}`);
    busy = false;
    return;
  }
  const open = [];
  while (queue.length || open.length) {
    for (const m of queue.splice(0)) {
      if (cancelled.delete(m.id)) { postMessage({ id: m.id, cancelled: true }); continue; }
      if (m.import !== undefined) {
        try { postMessage({ id: m.id, answer: importForPage(m.import, m.venue ?? '') }); } catch (err) { fail(m.id, err); }
        continue;
      }
      try {
        open.push({ id: m.id, job: new WorkJob(m.task, m.scenario) });
      } catch (err) {
        fail(m.id, err);
      }
    }
    // Newest first: the request the person just made is answered before older long jobs.
    for (const j of [...open].reverse()) {
      let done = false;
      if (cancelled.delete(j.id)) {
        postMessage({ id: j.id, cancelled: true });
        done = true;
      } else {
        try {
          const answer = j.job.step(SLICE_MS);
          if (answer !== undefined) { postMessage({ id: j.id, answer }); done = true; }
          else postMessage({ id: j.id, progress: j.job.progress() });
        } catch (err) {
          fail(j.id, err);
          done = true;
        }
      }
      if (done) { j.job.free(); open.splice(open.indexOf(j), 1); }
    }
    await yieldNow();
  }
  busy = false;
}
